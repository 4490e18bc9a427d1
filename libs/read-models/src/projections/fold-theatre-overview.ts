import { latestCumulativeTotals } from './casualty-totals';
import {
  assembleOverview,
  violationWindows,
  type OverviewParts,
  type PartyCount,
  type TheatreOverview,
} from './overview';
import { projectEvents } from './project-events';
import type { ProjectedEvent, ReportRow } from './report-row';

/**
 * The overview of one theatre folded from its stored events (in store order) through the
 * same projections the projector uses: `?asOf=T` passes the events recorded by T and T.
 * Null when none of the events is a report of that theatre (an unknown theatre).
 */
export function foldTheatreOverview(
  theatre: string,
  events: Iterable<ProjectedEvent>,
  at: Date,
): TheatreOverview | null {
  const changes = projectEvents(new Map(), events);
  if (!changes.theatres.has(theatre)) return null;
  const rows: ReportRow[] = [];
  for (const row of changes.rows.values()) {
    if (row.next && row.theatre === theatre) rows.push(row.next);
  }
  const ofTheatre = <T extends { key: readonly unknown[] }>(entries: T[]): T[] =>
    entries.filter((entry) => entry.key[0] === theatre);
  const sums = changes.sums;
  const counts = ofTheatre(sums.liveOfKind('theatreReports'))[0]?.values ?? [0, 0, 0, 0];

  let first: number | undefined;
  let last: number | undefined;
  for (const { report } of rows) {
    const occurred = Date.parse(report.occurredAt);
    if (first === undefined || occurred < first) first = occurred;
    if (last === undefined || occurred > last) last = occurred;
  }

  const windows = violationWindows(at);
  const violations24h = new Map<string, number>();
  const violations7d = new Map<string, number>();
  for (const { report } of rows) {
    if (report.type !== 'ceasefire_violation') continue;
    const occurred = Date.parse(report.occurredAt);
    const party = report.details.accusedParty;
    for (const [range, counts] of [
      [windows.last24h, violations24h],
      [windows.last7d, violations7d],
    ] as const) {
      if (occurred > range.from.getTime() && occurred <= range.to.getTime()) {
        counts.set(party, (counts.get(party) ?? 0) + 1);
      }
    }
  }
  const partyCounts = (counts: Map<string, number>): PartyCount[] =>
    [...counts].map(([party, count]) => ({ party, count }));

  const parts: OverviewParts = {
    theatre,
    reportCounts: [counts[0], counts[1], counts[2], counts[3]],
    firstOccurredAt: first === undefined ? null : new Date(first).toISOString(),
    lastOccurredAt: last === undefined ? null : new Date(last).toISOString(),
    personnel: ofTheatre(sums.liveOfKind('personnel')).map(({ key, values }) => ({
      role: key[1],
      party: key[2],
      ...estimateSum(values),
    })),
    equipment: ofTheatre(sums.liveOfKind('equipment')).map(({ key, values }) => ({
      actor: key[1],
      category: key[2],
      ...estimateSum(values),
    })),
    casualtyIncrements: ofTheatre(sums.liveOfKind('casualtyIncrements')).map(({ key, values }) => ({
      party: key[1],
      category: key[2],
      civilian: key[3],
      ...estimateSum(values),
    })),
    casualtyTotals: latestCumulativeTotals(rows),
    violations24h: partyCounts(violations24h),
    violations7d: partyCounts(violations7d),
    sanctionDemandParties: ofTheatre(sums.liveOfKind('sanctionDemandParties')).map(
      ({ key, values }) => ({ demandingParty: key[1], reports: values[0] }),
    ),
    recentSanctionDemands: rows.flatMap(({ report }) =>
      report.type === 'sanction_demand'
        ? [
            {
              reportId: report.reportId,
              occurredAt: report.occurredAt,
              demandingParty: report.details.demandingParty,
              demand: report.details.demand,
              sanctions: report.details.sanctions,
              ...(report.details.condition ? { condition: report.details.condition } : {}),
            },
          ]
        : [],
    ),
  };
  return assembleOverview(parts, at);
}

function estimateSum(values: number[]): {
  reports: number;
  low: number;
  best: number;
  high: number;
} {
  return { reports: values[0], low: values[1], best: values[2], high: values[3] };
}
