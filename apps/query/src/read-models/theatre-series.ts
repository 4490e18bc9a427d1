import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import {
  computeSeries,
  MAX_SERIES_BUCKETS,
  projectEvents,
  seriesFactsOf,
  TooManyBucketsError,
  type ReportRow,
  type Series,
  type SeriesFacts,
  type SeriesOptions,
} from '@cm/read-models';
import { CLOCK, Clock, PG_POOL, ProblemError } from '@cm/platform';
import type { Reliability } from '@cm/contracts';
import { TheatreDirectory } from './theatre-directory';
import { THEATRE_EVENTS_RECORDED_BY, type TheatreEventRow } from './theatre-overviews';

/** Only the columns a measure needs, from the report tables' theatre indexes. */
const LIVE_FACTS = {
  casualties: `
    SELECT report_id, occurred_at, party, category, civilian, cumulative, count_best,
           source_name, source_reliability, source_credibility
    FROM rm_casualties WHERE theatre = $1`,
  violations: `SELECT occurred_at, accused_party FROM rm_ceasefire_violations WHERE theatre = $1`,
  personnel: `
    SELECT occurred_at, actor, supporting, movement, personnel_best FROM rm_deployments
    WHERE theatre = $1 AND personnel_best IS NOT NULL`,
} as const;

interface FactRow {
  report_id: string;
  occurred_at: Date;
  party: string;
  category: string;
  civilian: boolean;
  cumulative: boolean;
  count_best: number;
  source_name: string;
  source_reliability: Reliability;
  source_credibility: number;
  accused_party: string;
  actor: string;
  supporting: string | null;
  movement: string;
  personnel_best: number;
}

/**
 * GET /v1/theatres/{t}/series. Live: the measure's rows of the theatre from the projector's
 * tables. `asOf`: the theatre's events recorded by then folded through the projector's
 * projections, as the overview does. Both are bucketed by the same pure `computeSeries`.
 * Casualty rows are read whole (not only those in [from, to)): the headline at a bucket's
 * start depends on the totals reported before it.
 */
@Injectable()
export class TheatreSeries {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly theatres: TheatreDirectory,
  ) {}

  async live(theatre: string, options: SeriesOptions): Promise<Series> {
    const [, { rows }] = await Promise.all([
      this.theatres.require(theatre),
      this.pool.query<FactRow>({
        name: `cm_query_series_${options.measure}`,
        text: LIVE_FACTS[options.measure],
        values: [theatre],
      }),
    ]);
    return bucketed(factsOfRows(options, rows), options);
  }

  async asOf(theatre: string, at: Date, options: SeriesOptions): Promise<Series> {
    if (at.getTime() > this.clock.now().getTime()) {
      throw ProblemError.validation(
        [{ path: 'asOf', message: 'must not be in the future' }],
        'asOf asks for the past; leave it out for the series as it stands now.',
      );
    }
    const [, events] = await Promise.all([
      this.theatres.require(theatre),
      this.pool.query<TheatreEventRow>({
        name: 'cm_query_theatre_events_recorded_by',
        text: THEATRE_EVENTS_RECORDED_BY,
        values: [theatre, at],
      }),
    ]);
    const changes = projectEvents(
      new Map(),
      events.rows.map((row) => ({
        type: row.type,
        data: row.data,
        position: Number(row.position),
        streamVersion: row.stream_version,
      })),
    );
    if (!changes.theatres.has(theatre)) {
      throw ProblemError.notFound(
        'THEATRE.NOT_FOUND',
        `No report of theatre ${JSON.stringify(theatre)} had been recorded by ${at.toISOString()}.`,
      );
    }
    const rows: ReportRow[] = [];
    for (const row of changes.rows.values()) {
      if (row.next && row.theatre === theatre) rows.push(row.next);
    }
    return bucketed(seriesFactsOf(rows), options);
  }
}

function bucketed(facts: SeriesFacts, options: SeriesOptions): Series {
  try {
    return computeSeries(facts, options);
  } catch (error) {
    if (!(error instanceof TooManyBucketsError)) throw error;
    throw ProblemError.validation(
      [
        {
          path: 'interval',
          message: `gives ${error.buckets} buckets over this range; at most ${MAX_SERIES_BUCKETS}: take a wider interval or narrow from/to`,
        },
      ],
      'The series would have more buckets than a chart can show.',
    );
  }
}

function factsOfRows(options: SeriesOptions, rows: FactRow[]): SeriesFacts {
  const facts: SeriesFacts = { casualties: [], violations: [], personnel: [] };
  switch (options.measure) {
    case 'casualties':
      facts.casualties = rows.map((row) => ({
        reportId: row.report_id,
        occurredAt: row.occurred_at.toISOString(),
        party: row.party,
        category: row.category,
        civilian: row.civilian,
        cumulative: row.cumulative,
        best: row.count_best,
        source: row.source_name,
        reliability: row.source_reliability,
        credibility: row.source_credibility,
      }));
      break;
    case 'violations':
      facts.violations = rows.map((row) => ({
        occurredAt: row.occurred_at.toISOString(),
        accusedParty: row.accused_party,
      }));
      break;
    case 'personnel':
      facts.personnel = rows.map((row) => ({
        occurredAt: row.occurred_at.toISOString(),
        actor: row.actor,
        supporting: row.supporting,
        movement: row.movement,
        best: row.personnel_best,
      }));
      break;
  }
  return facts;
}
