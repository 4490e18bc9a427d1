import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL, ProblemError } from '@cm/platform';
import { OPEN_ALERT_COUNTS_TABLE } from '@cm/alerts';

export interface TheatreSummary {
  theatre: string;
  reports: {
    deployments: number;
    casualties: number;
    ceasefireViolations: number;
    sanctionDemands: number;
    total: number;
  };
  firstOccurredAt: string | null;
  lastOccurredAt: string | null;
  /** Unresolved (open or acknowledged) alerts. */
  openAlerts: number;
}

interface TheatreRow {
  theatre: string;
  deployments: number;
  casualties: number;
  ceasefire_violations: number;
  sanction_demands: number;
  first_occurred_at: Date | null;
  last_occurred_at: Date | null;
  open_alerts: number | null;
}

const SELECT_THEATRES = `
  SELECT t.theatre, t.deployments, t.casualties, t.ceasefire_violations, t.sanction_demands,
         t.first_occurred_at, t.last_occurred_at, a.open_alerts
  FROM rm_theatres t LEFT JOIN ${OPEN_ALERT_COUNTS_TABLE} a ON a.theatre = t.theatre`;

/**
 * The theatres the projector has seen (a theatre is known from its first report on), with
 * their report counts and their counts of unresolved alerts (kept by @cm/alerts).
 */
@Injectable()
export class TheatreDirectory {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async list(): Promise<TheatreSummary[]> {
    const { rows } = await this.pool.query<TheatreRow>({
      name: 'cm_query_theatres',
      text: `${SELECT_THEATRES} ORDER BY t.theatre COLLATE "C"`,
    });
    return rows.map(toSummary);
  }

  async get(theatre: string): Promise<TheatreSummary | undefined> {
    const { rows } = await this.pool.query<TheatreRow>({
      name: 'cm_query_theatre',
      text: `${SELECT_THEATRES} WHERE t.theatre = $1`,
      values: [theatre],
    });
    return rows[0] && toSummary(rows[0]);
  }

  /** The theatre, or 404: every call under /v1/theatres/{t} starts here. */
  async require(theatre: string): Promise<TheatreSummary> {
    const summary = await this.get(theatre);
    if (!summary) throw unknownTheatre(theatre);
    return summary;
  }
}

export function unknownTheatre(theatre: string): ProblemError {
  return ProblemError.notFound(
    'THEATRE.NOT_FOUND',
    `No report of theatre ${JSON.stringify(theatre)} has been projected.`,
  );
}

function toSummary(row: TheatreRow): TheatreSummary {
  const deployments = row.deployments;
  const casualties = row.casualties;
  const ceasefireViolations = row.ceasefire_violations;
  const sanctionDemands = row.sanction_demands;
  return {
    theatre: row.theatre,
    reports: {
      deployments,
      casualties,
      ceasefireViolations,
      sanctionDemands,
      total: deployments + casualties + ceasefireViolations + sanctionDemands,
    },
    firstOccurredAt: row.first_occurred_at?.toISOString() ?? null,
    lastOccurredAt: row.last_occurred_at?.toISOString() ?? null,
    openAlerts: row.open_alerts ?? 0,
  };
}
