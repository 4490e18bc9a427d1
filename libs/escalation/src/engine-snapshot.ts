import { isReportType } from '@cm/contracts';
import type { Alert } from './alert.types';
import type { CompiledRuleSet } from './compiled-rules';
import type { SlotValue } from './report-record';
import { allValues, compareRecords } from './report-record';
import { TheatreState } from './theatre-state';

/**
 * The engine's state as plain JSON, for the alerter to store with its checkpoint. Reports are
 * kept as compact rows of the fields the rules use, so a snapshot is only meaningful for the
 * rules it was taken with: `rules` is their fingerprint, and restoring with other rules fails
 * (the alerter then replays the history instead).
 */
export interface EngineSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: typeof SNAPSHOT_VERSION;
  /** SHA-256 of the rules' canonical JSON. */
  rules: string;
  /** The report fields kept, in the order of each report row's values. */
  fields: string[];
  latenessMs: number;
  /** Sorted by theatre. */
  theatres: TheatreSnapshot[];
}

export interface TheatreSnapshot {
  theatre: string;
  /** The newest occurredAt seen, epoch ms. */
  watermark: number;
  /**
   * `[reportId, type, occurredAt ms, values by field]`, sorted by occurredAt then id. A field
   * no rule reads on reports of that type is null (the engine does not keep it); snapshots that
   * hold it anyway (written before) load the same.
   */
  reports: [string, string, number, SlotValue[]][];
  /** One entry per rule, in rule order. */
  rules: {
    rule: string;
    raised: number;
    alerts: { firstFiring: number; coverFrom: number; coverTo: number; alert: Alert }[];
  }[];
}

export const SNAPSHOT_FORMAT = 'cm.escalation-engine';
export const SNAPSHOT_VERSION = 1;

export class SnapshotMismatchError extends Error {
  readonly code = 'ESCALATION.SNAPSHOT_MISMATCH';
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotMismatchError';
  }
}

/**
 * Alerts are never changed in place by the engine (a change makes new ones), so the snapshot
 * shares them rather than copying a large state: treat it as read-only.
 */
export function writeSnapshot(
  theatres: ReadonlyMap<string, TheatreState>,
  compiled: CompiledRuleSet,
  latenessMs: number,
  only?: readonly string[],
): EngineSnapshot {
  const names = (
    only ? [...new Set(only)].filter((name) => theatres.has(name)) : [...theatres.keys()]
  ).sort();
  const width = compiled.slots.paths.length;
  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    rules: compiled.fingerprint,
    fields: [...compiled.slots.paths],
    latenessMs,
    theatres: names.map((name) => {
      const state = theatres.get(name) as TheatreState;
      return {
        theatre: name,
        watermark: state.watermark,
        reports: [...state.byId.values()]
          .sort(compareRecords)
          .map((record): [string, string, number, SlotValue[]] => [
            record.id,
            record.type,
            record.t,
            allValues(record, width),
          ]),
        rules: compiled.rules.map((rule) => {
          const alerts = state.rules[rule.index];
          return {
            rule: rule.rule.id,
            raised: alerts.raised,
            alerts: alerts.alerts.map((tracked) => ({
              firstFiring: tracked.firstFiring,
              coverFrom: tracked.coverFrom,
              coverTo: tracked.coverTo,
              alert: tracked.alert,
            })),
          };
        }),
      };
    }),
  };
}

/** Restoring takes the snapshot's objects over: do not change it afterwards. */
export function readSnapshot(
  snapshot: EngineSnapshot,
  compiled: CompiledRuleSet,
  latenessMs: number,
): TheatreState[] {
  if (snapshot?.format !== SNAPSHOT_FORMAT || snapshot.version !== SNAPSHOT_VERSION) {
    throw new SnapshotMismatchError(
      `not an engine snapshot of format ${SNAPSHOT_FORMAT} version ${SNAPSHOT_VERSION}`,
    );
  }
  if (snapshot.rules !== compiled.fingerprint) {
    throw new SnapshotMismatchError('the snapshot was taken with other rules');
  }
  if (snapshot.latenessMs !== latenessMs) {
    throw new SnapshotMismatchError(
      `the snapshot was taken with lateness ${snapshot.latenessMs} ms, not ${latenessMs} ms`,
    );
  }
  const fields = compiled.slots.paths;
  if (snapshot.fields.length !== fields.length || snapshot.fields.some((f, i) => f !== fields[i])) {
    throw new SnapshotMismatchError('the snapshot keeps other report fields');
  }
  return snapshot.theatres.map((theatre) => {
    const state = new TheatreState(
      theatre.theatre,
      compiled.patterns.patterns.length,
      compiled.rules.length,
    );
    state.watermark = theatre.watermark;
    for (const [id, type, t, values] of theatre.reports) {
      if (!isReportType(type) || values.length !== fields.length) {
        throw new SnapshotMismatchError(`report ${id} in ${theatre.theatre} is malformed`);
      }
      state.insert(compiled.record(id, type, t, compiled.slots.share(values)));
    }
    theatre.rules.forEach((rule, index) => {
      if (compiled.rules[index]?.rule.id !== rule.rule) {
        throw new SnapshotMismatchError(`rule ${rule.rule} is not rule ${index} of the rule set`);
      }
      state.rules[index].raised = rule.raised;
      state.rules[index].alerts = rule.alerts.map((tracked) => ({
        firstFiring: tracked.firstFiring,
        coverFrom: tracked.coverFrom,
        coverTo: tracked.coverTo,
        alert: tracked.alert,
      }));
    });
    return state;
  });
}
