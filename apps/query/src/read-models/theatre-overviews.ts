import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { foldTheatreOverview, loadTheatreOverview, TheatreOverview } from '@cm/read-models';
import { CLOCK, Clock, PG_POOL, ProblemError } from '@cm/platform';
import { openAlertsAsOf } from '@cm/alerts';
import { TheatreDirectory, unknownTheatre } from './theatre-directory';

/** The overview of the contract: the read models' overview and the theatre's unresolved alerts. */
export type TheatreOverviewView = TheatreOverview & { openAlerts: number };

export interface TheatreEventRow {
  type: string;
  data: unknown;
  position: string;
  stream_version: number;
}

/**
 * A theatre's events recorded by an instant, in store order. Served by the index of
 * migration 1764150000000 on (theatre of the event, recorded_at), so the read touches only
 * this theatre's events, whatever else the store holds. The store keeps microseconds and the
 * API shows milliseconds, so the instant's whole millisecond counts: `asOf` set to a
 * `recordedAt` the API gave includes that event.
 */
export const THEATRE_EVENTS_RECORDED_BY = `
  SELECT type, data, position, stream_version FROM events
  WHERE data->>'theatre' = $1 AND recorded_at < $2::timestamptz + interval '1 millisecond'
  ORDER BY position`;

/**
 * GET /v1/theatres/{t}/overview. Live: the projector's tables, read in one statement.
 * `asOf`: the theatre's events recorded by then folded through the same pure projections
 * (foldTheatreOverview), so there is no second implementation of any rule.
 */
@Injectable()
export class TheatreOverviews {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly theatres: TheatreDirectory,
  ) {}

  async live(theatre: string): Promise<TheatreOverviewView> {
    const summary = await this.theatres.require(theatre);
    const overview = await loadTheatreOverview(this.pool, theatre, this.clock.now());
    if (!overview) throw unknownTheatre(theatre);
    return { ...overview, openAlerts: summary.openAlerts };
  }

  async asOf(theatre: string, at: Date): Promise<TheatreOverviewView> {
    if (at.getTime() > this.clock.now().getTime()) {
      throw ProblemError.validation(
        [{ path: 'asOf', message: 'must not be in the future' }],
        'asOf asks for the past; leave it out for the overview as it stands now.',
      );
    }
    // One round trip's time: the theatre check and both reads go out together.
    const [, events, openAlerts] = await Promise.all([
      this.theatres.require(theatre),
      this.pool.query<TheatreEventRow>({
        name: 'cm_query_theatre_events_recorded_by',
        text: THEATRE_EVENTS_RECORDED_BY,
        values: [theatre, at],
      }),
      openAlertsAsOf(this.pool, theatre, at),
    ]);
    const overview = foldTheatreOverview(
      theatre,
      events.rows.map((row) => ({
        type: row.type,
        data: row.data,
        position: Number(row.position),
        streamVersion: row.stream_version,
      })),
      at,
    );
    if (!overview) {
      throw ProblemError.notFound(
        'THEATRE.NOT_FOUND',
        `No report of theatre ${JSON.stringify(theatre)} had been recorded by ${at.toISOString()}.`,
      );
    }
    return { ...overview, openAlerts };
  }
}
