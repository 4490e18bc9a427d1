import type { Reliability } from '@cm/contracts';
import { boundsOf, type Bounds } from './estimates';
import type { ReportRow } from './report-row';

/** Whose cumulative total supersedes whose: one per source, party, category and flag. */
export interface CasualtySourceKey {
  id: string;
  theatre: string;
  party: string;
  category: string;
  civilian: boolean;
  source: string;
}

/** A source's current cumulative total (its latest by occurredAt, then reportId). */
export interface CasualtySourceTotal extends Bounds {
  theatre: string;
  party: string;
  category: string;
  civilian: boolean;
  source: string;
  reportId: string;
  occurredAt: string;
  reliability: Reliability;
  credibility: number;
}

export function casualtySourceKeyOf(row: ReportRow): CasualtySourceKey | undefined {
  const { report } = row;
  if (report.type !== 'casualty' || !report.details.cumulative) return undefined;
  const { party, category, civilian } = report.details;
  const source = report.source.name;
  return {
    id: [report.theatre, party, category, civilian, source].join('\u0000'),
    theatre: report.theatre,
    party,
    category,
    civilian,
    source,
  };
}

/** Later occurredAt first; the same instant: the greater reportId first. */
export function compareRecency(
  a: { occurredAt: string; reportId: string },
  b: { occurredAt: string; reportId: string },
): number {
  const at = Date.parse(b.occurredAt) - Date.parse(a.occurredAt);
  if (at !== 0) return at;
  return compareText(b.reportId, a.reportId);
}

/** Each source's current cumulative total among the given report rows. */
export function latestCumulativeTotals(rows: Iterable<ReportRow>): CasualtySourceTotal[] {
  const latest = new Map<string, CasualtySourceTotal>();
  for (const row of rows) {
    const key = casualtySourceKeyOf(row);
    if (!key || row.report.type !== 'casualty') continue;
    const total: CasualtySourceTotal = {
      theatre: key.theatre,
      party: key.party,
      category: key.category,
      civilian: key.civilian,
      source: key.source,
      reportId: row.report.reportId,
      occurredAt: row.report.occurredAt,
      reliability: row.report.source.reliability,
      credibility: row.report.source.credibility,
      ...boundsOf(row.report.details.count),
    };
    const current = latest.get(key.id);
    if (!current || compareRecency(total, current) < 0) latest.set(key.id, total);
  }
  return [...latest.values()];
}

/** The headline of disagreeing cumulative totals (docs/READ-MODELS.md). */
export interface CasualtyHeadline extends Bounds {
  /** The source whose best is the headline's best. */
  source: string;
  reportId: string;
}

/**
 * best: the most reliable source's (Admiralty letter, then digit), ties to the most recent;
 * low and high: the minimum and maximum over the sources. Undefined without totals.
 */
export function casualtyHeadline(
  totals: readonly CasualtySourceTotal[],
): CasualtyHeadline | undefined {
  if (totals.length === 0) return undefined;
  const ranked = [...totals].sort(
    (a, b) =>
      compareText(a.reliability, b.reliability) ||
      a.credibility - b.credibility ||
      compareRecency(a, b),
  );
  const chosen = ranked[0];
  return {
    low: Math.min(...totals.map((total) => total.low)),
    best: chosen.best,
    high: Math.max(...totals.map((total) => total.high)),
    source: chosen.source,
    reportId: chosen.reportId,
  };
}

/** Bytewise order, as PostgreSQL's COLLATE "C" (never locale-dependent). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
