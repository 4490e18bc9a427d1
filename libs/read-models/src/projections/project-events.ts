import type { ReportType } from '@cm/contracts';
import { AggregateSums, deltasOf } from './aggregates';
import { casualtySourceKeyOf, type CasualtySourceKey } from './casualty-totals';
import { evolveReportRow, reportIdOf, type ProjectedEvent, type ReportRow } from './report-row';

/** A report's row after a run of events: null when it is gone. */
export interface FinalReportRow {
  reportType: ReportType;
  theatre: string;
  next: ReportRow | null;
}

/** Everything a run of events changes in the read models. */
export interface ReadModelChanges {
  /** The last state of every report the events touched. */
  rows: Map<string, FinalReportRow>;
  /** The aggregates' deltas, summed by key. */
  sums: AggregateSums;
  /** Theatres whose rows changed (their first and last occurredAt may have moved). */
  theatres: Set<string>;
  /** Sources whose cumulative casualty totals changed, by their key's id. */
  casualtySources: Map<string, CasualtySourceKey>;
}

/**
 * Projects events in store order onto the rows they start from (`known`: the current rows
 * of the reports these events correct or retract; a missing one means none). Pure: the
 * writer loads `known` and applies the result; the as-of fold starts from nothing.
 */
export function projectEvents(
  known: ReadonlyMap<string, ReportRow>,
  events: Iterable<ProjectedEvent>,
): ReadModelChanges {
  const changes: ReadModelChanges = {
    rows: new Map(),
    sums: new AggregateSums(),
    theatres: new Set(),
    casualtySources: new Map(),
  };
  for (const event of events) {
    const reportId = reportIdOf(event);
    if (reportId === undefined) continue;
    const touched = changes.rows.get(reportId);
    const previous = touched ? (touched.next ?? undefined) : known.get(reportId);
    const change = evolveReportRow(previous, event);
    if (!change) continue;
    changes.rows.set(reportId, {
      reportType: change.reportType,
      theatre: change.theatre,
      next: change.next,
    });
    for (const delta of deltasOf(change.previous, change.next)) changes.sums.add(delta);
    changes.theatres.add(change.theatre);
    for (const row of [change.previous, change.next]) {
      const key = row ? casualtySourceKeyOf(row) : undefined;
      if (key) changes.casualtySources.set(key.id, key);
    }
  }
  return changes;
}
