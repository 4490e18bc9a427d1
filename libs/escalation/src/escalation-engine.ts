import type { Alert, AlertChange } from './alert.types';
import { alertIdFor } from './alert-id';
import type { CompiledRule } from './compiled-rules';
import { CompiledRuleSet } from './compiled-rules';
import { DAY_MS, parseDuration } from './duration';
import { isDetailsField } from './report-fields';
import type { EngineEvent, ReportChange, SkipReason } from './report-event';
import { readReportChange, recordedAtIso } from './report-event';
import type { ReportRecord, SlotValue } from './report-record';
import { evidenceEntry, valueOf } from './report-record';
import type { ScanResult } from './rule-evaluation';
import type { Duration, Rule } from './rule.types';
import type { EngineSnapshot } from './engine-snapshot';
import { readSnapshot, writeSnapshot } from './engine-snapshot';
import type { TrackedAlert } from './theatre-state';
import { TheatreState } from './theatre-state';

export interface EngineOptions {
  /**
   * How far behind its theatre's newest report (in event time) a report may occur and still be
   * judged as if it had arrived in order. Older windows are closed: they raise no new alert.
   * Memory grows with it: the engine keeps `lateness` plus the longest rule horizon of reports.
   * Default 30d.
   */
  lateness?: Duration;
  /** Told of every event the engine passes over, and why; for the caller's logs and metrics. */
  onSkip?: (event: EngineEvent, reason: SkipReason) => void;
  /**
   * Updated and resolved changes carry `previous`, the alert before the change: a writer that
   * stores alerts as differences (the alerter's evidence) need not read the old one back.
   */
  withPrevious?: boolean;
}

export const DEFAULT_LATENESS: Duration = '30d';

/** What caused a re-evaluation, for the notes of updated and resolved alerts. */
interface Cause {
  reportId: string;
  kind: ReportChange['kind'];
  reason: string;
}

/**
 * The rule engine. It reads report events in the order a store subscription delivers them,
 * keeps each theatre's current reports (a correction replaces a report's contribution, a
 * retraction removes it), evaluates rules in event time (occurredAt) and says, per event, which
 * alerts were raised, updated or resolved. It never reads the clock: `raisedAt` is the
 * recordedAt of the event that raised the alert. The same events in the same order give the
 * same changes, ids included. See README.md for how the alerter uses it.
 */
export class EscalationEngine {
  private readonly compiled: CompiledRuleSet;
  private readonly latenessMs: number;
  private readonly onSkip?: EngineOptions['onSkip'];
  private readonly withPrevious: boolean;
  private readonly theatres = new Map<string, TheatreState>();

  /** @throws RuleSetError when the rules do not validate. */
  constructor(rules: readonly Rule[], options: EngineOptions = {}) {
    this.compiled = new CompiledRuleSet(rules);
    const lateness = options.lateness ?? DEFAULT_LATENESS;
    const latenessMs = parseDuration(lateness);
    if (latenessMs === undefined) throw new TypeError(`lateness is not a duration: ${lateness}`);
    this.latenessMs = latenessMs;
    this.onSkip = options.onSkip;
    this.withPrevious = options.withPrevious ?? false;
  }

  /**
   * An engine in the state `snapshot` recorded, for the same rules and lateness. It takes the
   * snapshot's objects over: do not change the snapshot afterwards.
   * @throws SnapshotMismatchError when the snapshot was taken with other rules, another
   * lateness or another snapshot format: rebuild by replaying events from the start instead.
   */
  static restore(
    rules: readonly Rule[],
    snapshot: EngineSnapshot,
    options: EngineOptions = {},
  ): EscalationEngine {
    const engine = new EscalationEngine(rules, options);
    for (const state of readSnapshot(snapshot, engine.compiled, engine.latenessMs)) {
      engine.theatres.set(state.theatre, state);
    }
    return engine;
  }

  /** The rules as validated and normalised. */
  get rules(): readonly Rule[] {
    return this.compiled.rules.map((compiled) => compiled.rule);
  }

  /**
   * The state as plain JSON (read-only: it shares the engine's immutable values); `restore` of
   * it gives an engine whose snapshot is equal. With `theatres`, only theatres among those:
   * theatres are independent, so the alerter may store each theatre's part on its own (only
   * those its last events touched) and restore from their union.
   */
  snapshot(theatres?: readonly string[]): EngineSnapshot {
    return writeSnapshot(this.theatres, this.compiled, this.latenessMs, theatres);
  }

  /** The theatres the engine keeps a state for. */
  theatreNames(): string[] {
    return [...this.theatres.keys()];
  }

  /** The alerts the engine still follows (open, and recent enough to change), by theatre. */
  openAlerts(theatre?: string): Alert[] {
    const states =
      theatre === undefined ? [...this.theatres.values()] : [this.theatres.get(theatre)];
    return states.flatMap((state) =>
      state ? state.rules.flatMap((rule) => rule.alerts.map((tracked) => tracked.alert)) : [],
    );
  }

  /** Applies one stored event; returns what it did to the alerts, in rule order. */
  apply(event: EngineEvent): AlertChange[] {
    const change = readReportChange(event);
    if (typeof change === 'string') return this.skip(event, change);
    let state = this.theatres.get(change.theatre);
    if (change.kind !== 'retracted') {
      if (!state) {
        state = new TheatreState(
          change.theatre,
          this.compiled.patterns.patterns.length,
          this.compiled.rules.length,
        );
        this.theatres.set(change.theatre, state);
      }
      this.advanceWatermark(state, change.t);
    }
    // A retraction in a theatre never seen: its report mattered to no rule.
    if (!state) return [];

    const old = state.byId.get(change.reportId);
    let next = this.nextRecord(change, old);
    if (next && next.t < this.forgetBound(state)) {
      next = undefined;
      if (!old) return this.skip(event, 'too_late');
    }
    // Neither version matters to any rule (or the report was forgotten as too old).
    if (!old && !next) return [];
    if (old && next && sameRecord(old, next)) return [];
    if (old) state.remove(old);
    if (next) state.insert(next);

    const cause: Cause = {
      reportId: change.reportId,
      kind: change.kind,
      reason: change.kind === 'reported' ? '' : change.reason,
    };
    const raisedAt = recordedAtIso(event.recordedAt);
    const changes: AlertChange[] = [];
    for (const rule of this.compiled.rules) {
      const times: number[] = [];
      if (old && this.compiled.touches(rule, old)) times.push(old.t);
      if (next && this.compiled.touches(rule, next)) times.push(next.t);
      if (times.length) changes.push(...this.reevaluate(state, rule, times, cause, raisedAt));
    }
    return changes;
  }

  private skip(event: EngineEvent, reason: SkipReason): AlertChange[] {
    this.onSkip?.(event, reason);
    return [];
  }

  /** The record of the report's new version, or undefined when no rule can use it. */
  private nextRecord(
    change: ReportChange,
    old: ReportRecord | undefined,
  ): ReportRecord | undefined {
    if (change.kind === 'retracted') return undefined;
    const { slots } = this.compiled;
    let values: SlotValue[];
    if (change.kind === 'reported') {
      values = slots.extract(change.report);
    } else {
      // A correction carries new details and occurredAt; the envelope stays as filed.
      const corrected = { details: change.details };
      values = slots.paths.map((path, slot) =>
        isDetailsField(path) ? slots.extractOne(corrected, slot) : old ? valueOf(old, slot) : null,
      );
    }
    const record = this.compiled.record(change.reportId, change.type, change.t, values);
    return record.patterns.length || this.compiled.keepsUnmatched ? record : undefined;
  }

  // Bounds in event time. They move with the theatre's watermark rounded down to the day, so
  // that forgetting happens at most once a day per theatre and is the same in every replay.

  private day(state: TheatreState): number {
    return Math.floor(state.watermark / DAY_MS) * DAY_MS;
  }

  /** Firings anchored before this raise no new alert: their windows are closed. */
  private openFrom(state: TheatreState, rule: CompiledRule): number {
    return this.day(state) - this.latenessMs - rule.evaluator.lookahead;
  }

  /** Reports that occurred before this can no longer change any alert the engine follows. */
  private forgetBound(state: TheatreState): number {
    return this.day(state) - this.latenessMs - this.compiled.horizon;
  }

  private advanceWatermark(state: TheatreState, t: number): void {
    if (t <= state.watermark) return;
    const before = this.day(state);
    state.watermark = t;
    if (this.day(state) === before) return;
    state.forgetBefore(this.forgetBound(state), this.compiled.keepsUnmatched);
    // An alert whose whole cover lies before the open windows can never change again: it is
    // final, and the engine lets it go (the alerter keeps it).
    for (const rule of this.compiled.rules) {
      const openFrom = this.openFrom(state, rule);
      const alerts = state.rules[rule.index];
      alerts.alerts = alerts.alerts.filter(
        (tracked) => tracked.firstFiring + rule.cooldown >= openFrom,
      );
    }
  }

  /**
   * Re-judges a rule after reports at `times` changed. Only firings anchored within
   * [t - lookahead, t + lookback] of a changed report can differ. Alerts whose covers meet
   * that span are re-scanned, and resolved when nothing in their cover fires any more. Then
   * each firing in the span that no alert covers (and whose window is still open) joins the
   * alert beside it whose first firing is within the cooldown (the nearer one; the earlier on
   * a tie), or raises a new alert.
   */
  private reevaluate(
    state: TheatreState,
    rule: CompiledRule,
    times: number[],
    cause: Cause,
    raisedAt: string,
  ): AlertChange[] {
    const { lookback, lookahead } = rule.evaluator;
    const ranges: [number, number][] =
      times.length === 1
        ? [[times[0] - lookahead, times[0] + lookback]]
        : mergeRanges(times.map((t) => [t - lookahead, t + lookback]));
    const ruleAlerts = state.rules[rule.index];
    const changes: AlertChange[] = [];

    // Alerts to rebuild, with their scan when their cover has not grown since.
    const touched = new Map<TrackedAlert, ScanResult | undefined>();
    const resolved = new Set<TrackedAlert>();
    for (const tracked of ruleAlerts.alerts) {
      const { coverFrom, coverTo } = tracked;
      if (!overlapsAny(ranges, coverFrom, coverTo)) continue;
      const scan = rule.evaluator.scan(state, coverFrom, coverTo, true);
      if (scan.firings.length) {
        touched.set(tracked, scan);
        continue;
      }
      resolved.add(tracked);
      const change: AlertChange = {
        change: 'resolved',
        alert: { ...tracked.alert, status: 'resolved' },
        note: `The evidence no longer meets the rule after report ${describe(cause)}.`,
      };
      if (this.withPrevious) change.previous = tracked.alert;
      changes.push(change);
    }
    if (resolved.size) {
      ruleAlerts.alerts = ruleAlerts.alerts.filter((tracked) => !resolved.has(tracked));
    }

    const alerts = ruleAlerts.alerts;
    const raised = new Set<TrackedAlert>();
    const openFrom = this.openFrom(state, rule);
    for (const [low, high] of ranges) {
      const from = Math.max(low, openFrom);
      if (from > high) continue;
      for (const firing of rule.evaluator.scan(state, from, high, false).firings) {
        const t = firing.t;
        let next = 0;
        while (next < alerts.length && alerts[next].coverTo < t) next++;
        if (next < alerts.length && alerts[next].coverFrom <= t) continue;
        const before = next > 0 ? alerts[next - 1] : undefined;
        const after = next < alerts.length ? alerts[next] : undefined;
        const toBefore = before ? t - before.firstFiring : Infinity;
        const toAfter = after ? after.firstFiring - t : Infinity;
        if (toBefore <= rule.cooldown && toBefore <= toAfter) {
          (before as TrackedAlert).coverTo = t;
          touched.set(before as TrackedAlert, undefined);
        } else if (toAfter <= rule.cooldown) {
          (after as TrackedAlert).coverFrom = t;
          touched.set(after as TrackedAlert, undefined);
        } else {
          ruleAlerts.raised++;
          const alertId = alertIdFor([
            rule.rule.id,
            state.theatre,
            String(ruleAlerts.raised),
            firing.anchorId,
            new Date(t).toISOString(),
          ]);
          const tracked: TrackedAlert = {
            firstFiring: t,
            coverFrom: t,
            coverTo: t,
            // Filled below, once its cover has taken in the firings after this one.
            alert: { alertId, raisedAt } as Alert,
          };
          alerts.splice(next, 0, tracked);
          raised.add(tracked);
        }
      }
    }

    for (const tracked of alerts) {
      if (!touched.has(tracked) && !raised.has(tracked)) continue;
      const scan =
        touched.get(tracked) ??
        rule.evaluator.scan(state, tracked.coverFrom, tracked.coverTo, true);
      const alert = this.buildAlert(rule, state.theatre, tracked, scan);
      if (raised.has(tracked)) {
        tracked.alert = alert;
        changes.push({ change: 'raised', alert });
        continue;
      }
      if (sameAlert(alert, tracked.alert)) continue;
      const change: AlertChange =
        cause.kind === 'reported'
          ? { change: 'updated', alert }
          : { change: 'updated', alert, note: `Report ${describe(cause)}; the rule still holds.` };
      if (this.withPrevious) change.previous = tracked.alert;
      tracked.alert = alert;
      changes.push(change);
    }
    return changes;
  }

  private buildAlert(
    rule: CompiledRule,
    theatre: string,
    tracked: TrackedAlert,
    scan: ScanResult,
  ): Alert {
    const evidence = scan.evidence;
    const { alertId, raisedAt } = tracked.alert;
    // Most alerts stay small, where a pass over the evidence costs less than the memory of
    // aggregates kept beside every alert; those that grow keep them.
    if (evidence.length < KEEP_AGGREGATES_FROM) tracked.aggregates = undefined;
    else tracked.aggregates ??= this.compiled.aggregatesFor(rule);
    return {
      alertId,
      rule: rule.rule.id,
      theatre,
      severity: rule.rule.severity,
      status: 'open',
      summary: this.compiled.renderSummary(rule, theatre, scan, tracked.aggregates),
      windowStart: evidenceEntry(evidence[0]).occurredAt,
      windowEnd: evidenceEntry(evidence[evidence.length - 1]).occurredAt,
      raisedAt,
      evidence: evidence.map(evidenceEntry),
    };
  }
}

/** The evidence from which an alert keeps its summary's aggregates across updates. */
const KEEP_AGGREGATES_FROM = 64;

function describe(cause: Cause): string {
  const verb = { reported: 'was filed', corrected: 'was corrected', retracted: 'was retracted' }[
    cause.kind
  ];
  return `${cause.reportId} ${verb}${cause.reason ? ` (${cause.reason})` : ''}`;
}

function overlapsAny(ranges: readonly [number, number][], from: number, to: number): boolean {
  for (const [low, high] of ranges) if (low <= to && from <= high) return true;
  return false;
}

function mergeRanges(ranges: number[][]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [low, high] of sorted) {
    const last = merged[merged.length - 1];
    if (last && low <= last[1] + 1) last[1] = Math.max(last[1], high);
    else merged.push([low, high]);
  }
  return merged;
}

function sameRecord(a: ReportRecord, b: ReportRecord): boolean {
  // Records of one type share a layout: their values line up.
  if (a.t !== b.t || a.type !== b.type || a.layout !== b.layout) return false;
  if (a.values.length !== b.values.length) return false;
  return a.values.every((value, slot) => sameValue(value, b.values[slot]));
}

function sameValue(a: SlotValue, b: SlotValue): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => item === b[index]);
  }
  return a === b;
}

function sameAlert(a: Alert, b: Alert): boolean {
  return (
    a.summary === b.summary &&
    a.windowStart === b.windowStart &&
    a.windowEnd === b.windowEnd &&
    a.status === b.status &&
    a.evidence.length === b.evidence.length &&
    a.evidence.every((item, index) => {
      const other = b.evidence[index];
      // Entries are shared per report version, so identity is the usual answer.
      return (
        item === other || (item.reportId === other.reportId && item.occurredAt === other.occurredAt)
      );
    })
  );
}
