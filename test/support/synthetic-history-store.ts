import type { Pool } from 'pg';
import type { Alert } from '@cm/escalation';
import { reportHistory } from '@cm/contracts/testing';
import type { ReportHistoryOptions } from '@cm/contracts/testing';
import { PostgresEventStore } from '@cm/event-store';
import type { StoredEvent } from '@cm/event-store';
import { appendHistory } from '@cm/read-models/testing';

/**
 * Appends a seeded report history (@cm/contracts/testing) to the event store, in batches of
 * at most `batch` report events, as ingest would store them. Returns the last position.
 */
export async function appendSyntheticHistory(
  pool: Pool,
  options: ReportHistoryOptions & { batch?: number },
): Promise<number> {
  await appendHistory(pool, reportHistory(options), options.batch ?? 250);
  return new PostgresEventStore(pool).headPosition();
}

/** Every stored event, in the order subscriptions handle them. */
export async function readAllEvents(pool: Pool): Promise<StoredEvent[]> {
  const store = new PostgresEventStore(pool);
  const events: StoredEvent[] = [];
  let after = { position: 0, transactionId: '0' };
  for (;;) {
    const page = await store.readAll({ after, limit: 5000 });
    if (!page.events.length) return events;
    events.push(...page.events);
    after = page.checkpoint;
  }
}

/** The alerts table as docs/API.md's alert JSON (what the engine decides), sorted by id. */
export async function storedAlerts(pool: Pool): Promise<Alert[]> {
  const { rows } = await pool.query<{ alert: Alert }>(`
    SELECT jsonb_build_object(
      'alertId', alert_id::text, 'rule', rule, 'theatre', theatre, 'severity', severity,
      'status', status, 'summary', summary,
      'windowStart', to_char(window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'windowEnd', to_char(window_end AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'raisedAt', to_char(raised_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'evidence', coalesce((
        SELECT jsonb_agg(jsonb_build_object(
            'reportId', x.report_id, 'type', x.type, 'occurredAt', x.occurred_at)
          ORDER BY x.t, x.report_id)
        FROM alert_evidence x WHERE x.alert_id = alerts.alert_id AND x.removed_seq IS NULL),
        '[]')) AS alert
    FROM alerts ORDER BY alert_id`);
  return rows.map((row) => row.alert);
}

/** docs/API.md's fields of alerts, sorted by id, for comparing runs. */
export function contractAlerts(alerts: readonly Alert[]): Alert[] {
  return alerts
    .map((alert) => ({
      alertId: alert.alertId,
      rule: alert.rule,
      theatre: alert.theatre,
      severity: alert.severity,
      status: alert.status,
      summary: alert.summary,
      windowStart: alert.windowStart,
      windowEnd: alert.windowEnd,
      raisedAt: alert.raisedAt,
      evidence: alert.evidence,
    }))
    .sort((a, b) => (a.alertId < b.alertId ? -1 : a.alertId > b.alertId ? 1 : 0));
}
