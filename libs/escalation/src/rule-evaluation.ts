import type { ReportRecord } from './report-record';
import { compareRecords } from './report-record';

/**
 * What rule kinds share. A rule fires at an anchor: a report's occurredAt (the end of a
 * threshold or spike window; the `a` report of a co-occurrence). A firing at time t looks at
 * reports within [t - lookback, t + lookahead], so a change to a report at time u can change
 * the firings anchored within [u - lookahead, u + lookback], and nothing else.
 */

/** The theatre's records matching a pattern, sorted by compareRecords. */
export interface PatternRecords {
  records(pattern: number): readonly ReportRecord[];
}

export interface Firing {
  /** The anchor's event time. */
  t: number;
  /** The anchor report (the first at that time), which names the alert it raises. */
  anchorId: string;
}

/** Measures of one firing, for the summary (spike: recent, baselineMean, ratio). */
export type FiringMeasures = Readonly<Record<string, number | null>>;

/** The firings anchored in a span of event time, and (when asked for) their evidence together. */
export interface ScanResult {
  /** In time order. */
  firings: Firing[];
  /** The latest firing's measures: the summary speaks of the current state of the window. */
  measures: FiringMeasures;
  evidence: ReportRecord[];
  /** Co-occurrence: the `a` and `b` reports among the evidence. */
  roles?: { a: ReportRecord[]; b: ReportRecord[] };
}

export interface RuleEvaluator {
  readonly lookback: number;
  readonly lookahead: number;
  /** The patterns whose records the rule reads; a change to another report cannot matter. */
  readonly patterns: readonly number[];
  /** The firings anchored in [from, to], with their evidence when `withEvidence`. */
  scan(source: PatternRecords, from: number, to: number, withEvidence: boolean): ScanResult;
}

/**
 * The union of the evidence of many firings. Windows over one sorted list come as index
 * ranges that move forward with the anchor, so merging them is cheaper than a set.
 */
export class EvidenceSet {
  private readonly ranges: { list: readonly ReportRecord[]; low: number; high: number }[] = [];
  private readonly singles: ReportRecord[] = [];

  /** Records list[low] to list[high - 1]. */
  addRange(list: readonly ReportRecord[], low: number, high: number): void {
    if (low >= high) return;
    const last = this.ranges[this.ranges.length - 1];
    if (last && last.list === list && low <= last.high && low >= last.low) {
      if (high > last.high) last.high = high;
    } else {
      this.ranges.push({ list, low, high });
    }
  }

  add(record: ReportRecord): void {
    this.singles.push(record);
  }

  get isEmpty(): boolean {
    return this.ranges.length === 0 && this.singles.length === 0;
  }

  /** Sorted by compareRecords, each record once. */
  toArray(): ReportRecord[] {
    if (this.singles.length === 0 && this.ranges.length === 1) {
      const { list, low, high } = this.ranges[0];
      return list.slice(low, high);
    }
    const unique = new Set<ReportRecord>(this.singles);
    for (const { list, low, high } of this.ranges) {
      for (let index = low; index < high; index++) unique.add(list[index]);
    }
    return [...unique].sort(compareRecords);
  }
}

/** Two lists sorted by compareRecords, merged into one, each record once. */
export function mergeSorted(
  a: readonly ReportRecord[],
  b: readonly ReportRecord[],
): ReportRecord[] {
  if (b.length === 0) return a.slice();
  if (a.length === 0) return b.slice();
  const merged: ReportRecord[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length) merged.push(a[i++]);
    else if (i >= a.length) merged.push(b[j++]);
    else if (a[i] === b[j]) {
      merged.push(a[i++]);
      j++;
    } else if (compareRecords(a[i], b[j]) <= 0) merged.push(a[i++]);
    else merged.push(b[j++]);
  }
  return merged;
}

export const NO_MEASURES: FiringMeasures = Object.freeze({});
