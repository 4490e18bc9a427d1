import type { Queryable } from './queryable';

/**
 * The theatres' counts of unresolved (open or acknowledged) alerts, kept by every journal
 * writer in the transaction of the change (see writeLifecycleSteps). Readers join it by
 * theatre: `LEFT JOIN ${OPEN_ALERT_COUNTS_TABLE} a ON a.theatre = ...`, reading `a.open_alerts`
 * (no row: 0).
 */
export const OPEN_ALERT_COUNTS_TABLE = 'theatre_alert_counts';

/**
 * Adds deltas to the open counts. An UPDATE, then an INSERT of theatres it did not find: an
 * INSERT .. ON CONFLICT would check `open_alerts >= 0` on a negative delta before the
 * conflict. Writers hold the journal lock here, so two cannot insert the same theatre.
 */
const ADD_OPEN_COUNTS = `
WITH delta AS (SELECT * FROM unnest($1::text[], $2::int[]) AS d(theatre, delta)),
updated AS (
  UPDATE ${OPEN_ALERT_COUNTS_TABLE} AS c SET open_alerts = c.open_alerts + delta.delta
  FROM delta WHERE c.theatre = delta.theatre
  RETURNING c.theatre)
INSERT INTO ${OPEN_ALERT_COUNTS_TABLE} (theatre, open_alerts)
SELECT theatre, delta FROM delta WHERE theatre NOT IN (SELECT theatre FROM updated)`;

/** Adds non-zero deltas by theatre; the caller holds the journal lock (writeLifecycleSteps). */
export async function addOpenAlertCounts(
  tx: Queryable,
  deltas: ReadonlyMap<string, number>,
): Promise<void> {
  const counted = [...deltas].filter(([, delta]) => delta !== 0);
  if (counted.length === 0) return;
  await tx.query(ADD_OPEN_COUNTS, [counted.map(([t]) => t), counted.map(([, d]) => d)]);
}

/**
 * Unresolved alerts of a theatre as they stood at an instant: each alert's last change
 * recorded by then (within its millisecond, as the overview's events), from the journal.
 */
const OPEN_ALERTS_AS_OF = `
  SELECT count(*)::int AS open_alerts FROM (
    SELECT DISTINCT ON (alert_id) alert->>'status' AS status FROM alert_changes
    WHERE theatre = $1 AND recorded_at < $2::timestamptz + interval '1 millisecond'
    ORDER BY alert_id, seq DESC
  ) latest WHERE status <> 'resolved'`;

/** A theatre's unresolved alerts as recorded by `at` (the overview's `asOf`). */
export async function openAlertsAsOf(db: Queryable, theatre: string, at: Date): Promise<number> {
  const { rows } = await db.query<{ open_alerts: number }>({
    name: 'cm_query_open_alerts_as_of',
    text: OPEN_ALERTS_AS_OF,
    values: [theatre, at],
  });
  return rows[0].open_alerts;
}
