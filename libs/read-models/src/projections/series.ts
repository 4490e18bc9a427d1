import type { Reliability } from '@cm/contracts';
import { compareRecency, compareText } from './casualty-totals';
import type { ReportRow } from './report-row';

/**
 * Series for charts: a theatre's measure summed per bucket of event time (docs/READ-MODELS.md,
 * "Series"). Pure: the live call feeds it facts read from the report tables, `asOf` the rows
 * folded from the events recorded by then, so both answer through the same code.
 */
export const SERIES_MEASURES = ['casualties', 'violations', 'personnel'] as const;
export type SeriesMeasure = (typeof SERIES_MEASURES)[number];

export const SERIES_INTERVALS = ['day', 'week', 'month'] as const;
export type SeriesInterval = (typeof SERIES_INTERVALS)[number];

export const SERIES_BYS = ['party', 'category', 'accused', 'actor'] as const;
export type SeriesBy = (typeof SERIES_BYS)[number];

/** What each measure can be broken down by; the first is the default. */
export const SERIES_BY_OF_MEASURE: Record<SeriesMeasure, readonly SeriesBy[]> = {
  casualties: ['party', 'category'],
  violations: ['accused'],
  personnel: ['actor', 'party'],
};

/** More buckets than a chart can show: narrow from/to or take a wider interval. */
export const MAX_SERIES_BUCKETS = 10_000;

export interface SeriesBucket {
  /** The bucket's first instant, ISO 8601 UTC. */
  start: string;
  values: Record<string, number>;
}

export interface Series {
  measure: SeriesMeasure;
  interval: SeriesInterval;
  by: SeriesBy;
  buckets: SeriesBucket[];
}

export interface SeriesOptions {
  measure: SeriesMeasure;
  interval: SeriesInterval;
  by: SeriesBy;
  /** Event time window [from, to); buckets cover it whole (the first and last may be partial). */
  from?: Date;
  to?: Date;
}

/** A casualty report as the series needs it. */
export interface CasualtyFact {
  reportId: string;
  occurredAt: string;
  party: string;
  category: string;
  civilian: boolean;
  cumulative: boolean;
  best: number;
  source: string;
  reliability: Reliability;
  credibility: number;
}

export interface ViolationFact {
  occurredAt: string;
  accusedParty: string;
}

/** A deployment that reported personnel. */
export interface PersonnelFact {
  occurredAt: string;
  actor: string;
  supporting?: string | null;
  movement: string;
  best: number;
}

export interface SeriesFacts {
  casualties: CasualtyFact[];
  violations: ViolationFact[];
  personnel: PersonnelFact[];
}

/** The facts of the report rows (current states) of a theatre, e.g. folded for `asOf`. */
export function seriesFactsOf(rows: Iterable<ReportRow>): SeriesFacts {
  const facts: SeriesFacts = { casualties: [], violations: [], personnel: [] };
  for (const { report } of rows) {
    switch (report.type) {
      case 'casualty':
        facts.casualties.push({
          reportId: report.reportId,
          occurredAt: report.occurredAt,
          party: report.details.party,
          category: report.details.category,
          civilian: report.details.civilian,
          cumulative: report.details.cumulative,
          best: report.details.count.best,
          source: report.source.name,
          reliability: report.source.reliability,
          credibility: report.source.credibility,
        });
        break;
      case 'ceasefire_violation':
        facts.violations.push({
          occurredAt: report.occurredAt,
          accusedParty: report.details.accusedParty,
        });
        break;
      case 'deployment':
        if (report.details.personnel) {
          facts.personnel.push({
            occurredAt: report.occurredAt,
            actor: report.details.actor,
            supporting: report.details.supporting,
            movement: report.details.movement,
            best: report.details.personnel.best,
          });
        }
        break;
      default:
        break;
    }
  }
  return facts;
}

/** The first instant of the bucket holding `at`: UTC days, ISO weeks (Monday), months. */
export function bucketStart(at: number, interval: SeriesInterval): number {
  const date = new Date(at);
  const day = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  switch (interval) {
    case 'day':
      return day;
    case 'week':
      // getUTCDay: Sunday 0 .. Saturday 6; Monday starts the ISO week.
      return day - ((date.getUTCDay() + 6) % 7) * DAY_MS;
    case 'month':
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  }
}

/** The first instant of the bucket after the one starting at `start`. */
export function nextBucketStart(start: number, interval: SeriesInterval): number {
  switch (interval) {
    case 'day':
      return start + DAY_MS;
    case 'week':
      return start + 7 * DAY_MS;
    case 'month': {
      const date = new Date(start);
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
    }
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Thrown when the buckets asked for would be more than MAX_SERIES_BUCKETS. */
export class TooManyBucketsError extends Error {
  constructor(readonly buckets: number) {
    super(`${buckets} buckets; at most ${MAX_SERIES_BUCKETS}`);
  }
}

/** One point of a measure: a key's change at an instant of event time. */
interface Point {
  at: number;
  key: string;
  value: number;
}

/**
 * The series of a measure. Every bucket from the first to the last is listed (an empty one has
 * `values: {}`), so a chart's x axis needs no filling in; a key is in a bucket's values when
 * something of it happened in the bucket (its value may be 0).
 */
export function computeSeries(facts: SeriesFacts, options: SeriesOptions): Series {
  const points = pointsOf(facts, options);
  const from = options.from?.getTime();
  const to = options.to?.getTime();
  const inRange = points.filter(
    (point) => (from === undefined || point.at >= from) && (to === undefined || point.at < to),
  );
  const series: Series = {
    measure: options.measure,
    interval: options.interval,
    by: options.by,
    buckets: [],
  };
  let first = from;
  let last = to === undefined ? undefined : to - 1;
  for (const point of inRange) {
    if (from === undefined && (first === undefined || point.at < first)) first = point.at;
    if (to === undefined && (last === undefined || point.at > last)) last = point.at;
  }
  if (first === undefined || last === undefined || last < first) return series;

  const index = new Map<number, SeriesBucket>();
  const lastStart = bucketStart(last, options.interval);
  for (let start = bucketStart(first, options.interval); start <= lastStart;) {
    if (index.size >= MAX_SERIES_BUCKETS) throw new TooManyBucketsError(countBuckets(start));
    const bucket = { start: new Date(start).toISOString(), values: {} };
    index.set(start, bucket);
    series.buckets.push(bucket);
    start = nextBucketStart(start, options.interval);
  }
  for (const point of inRange) {
    const bucket = index.get(bucketStart(point.at, options.interval))!;
    bucket.values[point.key] = (bucket.values[point.key] ?? 0) + point.value;
  }
  return series;

  function countBuckets(from: number): number {
    let count = index.size;
    for (let start = from; start <= lastStart; start = nextBucketStart(start, options.interval)) {
      count++;
    }
    return count;
  }
}

function pointsOf(facts: SeriesFacts, { measure, by }: SeriesOptions): Point[] {
  switch (measure) {
    case 'violations':
      return facts.violations.map((fact) => ({
        at: Date.parse(fact.occurredAt),
        key: fact.accusedParty,
        value: 1,
      }));
    case 'personnel':
      return facts.personnel.map((fact) => ({
        at: Date.parse(fact.occurredAt),
        key: by === 'party' ? (fact.supporting ?? fact.actor) : fact.actor,
        value: fact.movement === 'withdrawal' ? -fact.best : fact.best,
      }));
    case 'casualties':
      return casualtyPoints(facts.casualties, by);
  }
}

/**
 * Casualties per group (party, category, civilian flag), as the overview counts them: a group
 * without cumulative totals is its increments, each at its occurredAt. A group with cumulative
 * totals is its headline (the most reliable source's latest total, ties to the most recent):
 * each total, in event-time order, changes the headline, and that change is the point. Summed
 * over every bucket, a group gives the overview's headline best, never the sources' totals
 * added. The group's increments are left out then: a running total already counts what
 * increments report, and the two are never added together.
 */
function casualtyPoints(facts: readonly CasualtyFact[], by: SeriesBy): Point[] {
  const groups = new Map<string, CasualtyFact[]>();
  const cumulativeGroups = new Set<string>();
  for (const fact of facts) {
    const group = [fact.party, fact.category, fact.civilian].join('\u0000');
    if (fact.cumulative) cumulativeGroups.add(group);
    const list = groups.get(group);
    if (list) list.push(fact);
    else groups.set(group, [fact]);
  }
  const keyOf = (fact: CasualtyFact) => (by === 'category' ? fact.category : fact.party);
  const points: Point[] = [];
  for (const [group, list] of groups) {
    if (!cumulativeGroups.has(group)) {
      for (const fact of list) {
        points.push({ at: Date.parse(fact.occurredAt), key: keyOf(fact), value: fact.best });
      }
      continue;
    }
    const totals = list.filter((fact) => fact.cumulative).sort((a, b) => -compareRecency(a, b));
    const latest = new Map<string, CasualtyFact>();
    let headline = 0;
    for (const total of totals) {
      latest.set(total.source, total);
      const next = headlineBest(latest.values());
      points.push({ at: Date.parse(total.occurredAt), key: keyOf(total), value: next - headline });
      headline = next;
    }
  }
  return points;
}

/** casualtyHeadline's best: the most reliable source's, ties to the most recent total. */
function headlineBest(totals: Iterable<CasualtyFact>): number {
  let chosen: CasualtyFact | undefined;
  for (const total of totals) {
    if (
      !chosen ||
      (compareText(total.reliability, chosen.reliability) ||
        total.credibility - chosen.credibility ||
        compareRecency(total, chosen)) < 0
    ) {
      chosen = total;
    }
  }
  return chosen?.best ?? 0;
}
