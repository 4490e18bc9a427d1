import {
  assembleOverview,
  RECENT_SANCTION_DEMANDS_PER_PARTY,
  violationWindows,
  type OverviewParts,
  type TheatreOverview,
} from '../projections';
import type { Queryable } from '@cm/platform/plumbing';

const VIOLATIONS_BY_ACCUSED = (from: string, to: string) => `(
  SELECT coalesce(json_agg(json_build_object('party', v.party, 'count', v.count)), '[]'::json)
  FROM (
    SELECT accused_party AS party, count(*)::int AS count FROM rm_ceasefire_violations
    WHERE theatre = $1 AND occurred_at > ${from} AND occurred_at <= ${to}
    GROUP BY accused_party
  ) v)`;

/**
 * Everything the overview needs in one statement: one round trip and one snapshot, so a
 * batch the projector commits meanwhile is either wholly in it or not at all.
 */
const THEATRE_OVERVIEW = `
SELECT
  (SELECT json_build_object(
     'counts', json_build_array(deployments, casualties, ceasefire_violations, sanction_demands),
     'first', first_occurred_at, 'last', last_occurred_at)
   FROM rm_theatres WHERE theatre = $1) AS theatre,
  (SELECT coalesce(json_agg(p), '[]'::json)
   FROM (SELECT role, party, reports, low, best, high FROM rm_personnel WHERE theatre = $1) p
  ) AS personnel,
  (SELECT coalesce(json_agg(e), '[]'::json)
   FROM (SELECT actor, category, reports, low, best, high FROM rm_equipment WHERE theatre = $1) e
  ) AS equipment,
  (SELECT coalesce(json_agg(i), '[]'::json)
   FROM (SELECT party, category, civilian, reports, low, best, high
         FROM rm_casualty_increments WHERE theatre = $1) i
  ) AS casualty_increments,
  (SELECT coalesce(json_agg(s), '[]'::json)
   FROM (SELECT party, category, civilian, source_name AS source, report_id AS "reportId",
           occurred_at AS "occurredAt", reliability, credibility, low, best, high
         FROM rm_casualty_source_totals WHERE theatre = $1) s
  ) AS casualty_totals,
  ${VIOLATIONS_BY_ACCUSED('$2::timestamptz', '$3::timestamptz')} AS violations_24h,
  ${VIOLATIONS_BY_ACCUSED('$4::timestamptz', '$3::timestamptz')} AS violations_7d,
  (SELECT coalesce(json_agg(json_build_object(
            'demandingParty', p.demanding_party, 'reports', p.reports)), '[]'::json)
   FROM rm_sanction_demand_parties p WHERE p.theatre = $1
  ) AS sanction_demand_parties,
  (SELECT coalesce(json_agg(d), '[]'::json)
   FROM rm_sanction_demand_parties p
   CROSS JOIN LATERAL (
     SELECT report_id AS "reportId", occurred_at AS "occurredAt",
       demanding_party AS "demandingParty", demand, sanctions, condition
     FROM rm_sanction_demands d
     WHERE d.theatre = p.theatre AND d.demanding_party = p.demanding_party
     ORDER BY d.occurred_at DESC, d.report_id DESC
     LIMIT ${RECENT_SANCTION_DEMANDS_PER_PARTY}
   ) d
   WHERE p.theatre = $1
  ) AS recent_sanction_demands`;

interface OverviewRow {
  theatre: {
    counts: [number, number, number, number];
    first: string | null;
    last: string | null;
  } | null;
  personnel: OverviewParts['personnel'];
  equipment: OverviewParts['equipment'];
  casualty_increments: OverviewParts['casualtyIncrements'];
  casualty_totals: OverviewParts['casualtyTotals'];
  violations_24h: OverviewParts['violations24h'];
  violations_7d: OverviewParts['violations7d'];
  sanction_demand_parties: OverviewParts['sanctionDemandParties'];
  recent_sanction_demands: (OverviewParts['recentSanctionDemands'][number] & {
    condition: OverviewParts['recentSanctionDemands'][number]['condition'] | null;
  })[];
}

const isoOrNull = (value: string | null): string | null =>
  value === null ? null : new Date(value).toISOString();

/**
 * The live overview of a theatre read from the read models, with `now` as the reference
 * instant of the violation windows; null for a theatre never reported on. The same shape
 * and order as foldTheatreOverview gives for `?asOf=`.
 */
export async function loadTheatreOverview(
  db: Queryable,
  theatre: string,
  now: Date,
): Promise<TheatreOverview | null> {
  const windows = violationWindows(now);
  const { rows } = await db.query<OverviewRow>({
    name: 'cm_rm_theatre_overview',
    text: THEATRE_OVERVIEW,
    values: [
      theatre,
      windows.last24h.from.toISOString(),
      now.toISOString(),
      windows.last7d.from.toISOString(),
    ],
  });
  const row = rows[0];
  if (!row.theatre) return null;
  const sums = <T extends { low: number | string; best: number | string; high: number | string }>(
    entries: T[],
  ): T[] =>
    entries.map((entry) => ({
      ...entry,
      low: Number(entry.low),
      best: Number(entry.best),
      high: Number(entry.high),
    }));
  const parts: OverviewParts = {
    theatre,
    reportCounts: row.theatre.counts,
    firstOccurredAt: isoOrNull(row.theatre.first),
    lastOccurredAt: isoOrNull(row.theatre.last),
    personnel: sums(row.personnel),
    equipment: sums(row.equipment),
    casualtyIncrements: sums(row.casualty_increments),
    casualtyTotals: row.casualty_totals.map((total) => ({
      ...total,
      theatre,
      occurredAt: new Date(total.occurredAt).toISOString(),
    })),
    violations24h: row.violations_24h,
    violations7d: row.violations_7d,
    sanctionDemandParties: row.sanction_demand_parties,
    recentSanctionDemands: row.recent_sanction_demands.map(({ condition, ...demand }) => ({
      ...demand,
      occurredAt: new Date(demand.occurredAt).toISOString(),
      ...(condition ? { condition } : {}),
    })),
  };
  return assembleOverview(parts, now);
}
