import type { Queryable } from './queryable';
import type { AlertChangeKind, AlertView, StoredAlert } from './domain/stored-alert';
import { alertView, isUnresolved } from './domain/stored-alert';
import type { LifecycleStep, UserAction, UserActionOutcome } from './domain/alert-lifecycle';
import { applyUserAction } from './domain/alert-lifecycle';
import { ALERTS_CHANNEL, alertJournal } from './alert-journal';
import { addOpenAlertCounts } from './open-alert-counts';

/** One key for every writer of alert_changes: seq is handed out under it (see the migration). */
const LOCK_JOURNAL = `SELECT pg_advisory_xact_lock(hashtextextended('cm_alert_changes', 0))`;

const COLUMNS_BEFORE_EVIDENCE = `
  alert_id::text AS alert_id, rule, theatre, severity, status, summary, window_start, window_end,
  raised_at`;
const COLUMNS_AFTER_EVIDENCE = `engine_status, acknowledged_at, acknowledgement_note,
  resolved_at, resolved_by, resolution_note, updated_at, acknowledged_by_key, resolved_by_key`;
const ALERT_COLUMNS = `${COLUMNS_BEFORE_EVIDENCE}, evidence, ${COLUMNS_AFTER_EVIDENCE}`;

export interface AlertRow {
  alert_id: string;
  rule: string;
  theatre: string;
  severity: StoredAlert['severity'];
  status: StoredAlert['status'];
  summary: string;
  window_start: Date;
  window_end: Date;
  raised_at: Date;
  evidence: StoredAlert['evidence'];
  engine_status: StoredAlert['engineStatus'];
  acknowledged_at: Date | null;
  acknowledgement_note: string | null;
  resolved_at: Date | null;
  resolved_by: 'user' | 'engine' | null;
  resolution_note: string | null;
  updated_at: Date;
  acknowledged_by_key: string | null;
  resolved_by_key: string | null;
}

export const ALERT_SELECT = `SELECT ${ALERT_COLUMNS} FROM alerts`;

export function storedAlertOf(row: AlertRow): StoredAlert {
  return {
    alertId: row.alert_id,
    rule: row.rule,
    theatre: row.theatre,
    severity: row.severity,
    status: row.status,
    summary: row.summary,
    windowStart: row.window_start.toISOString(),
    windowEnd: row.window_end.toISOString(),
    raisedAt: row.raised_at.toISOString(),
    evidence: row.evidence,
    engineStatus: row.engine_status,
    acknowledgement: row.acknowledged_at
      ? {
          at: row.acknowledged_at.toISOString(),
          note: row.acknowledgement_note,
          ...(row.acknowledged_by_key !== null ? { recordedBy: row.acknowledged_by_key } : {}),
        }
      : null,
    resolution:
      row.resolved_at && row.resolved_by
        ? {
            at: row.resolved_at.toISOString(),
            by: row.resolved_by,
            note: row.resolution_note,
            ...(row.resolved_by_key !== null ? { recordedBy: row.resolved_by_key } : {}),
          }
        : null,
    updatedAt: row.updated_at.toISOString(),
  };
}

/**
 * What the caller knows an alert's stored evidence to be (what it last wrote itself, in a
 * committed transaction), or undefined when it does not know.
 */
export type KnownEvidence = (alertId: string) => StoredAlert['evidence'] | undefined;

/**
 * The alerts with these ids, locked until the transaction ends (FOR UPDATE). With `known`, the
 * evidence of alerts it knows is not read back (an alert's evidence can be thousands of entries,
 * and the alerter wrote it itself): only the others' is.
 */
export async function lockAlerts(
  tx: Queryable,
  alertIds: readonly string[],
  known?: KnownEvidence,
): Promise<Map<string, StoredAlert>> {
  if (alertIds.length === 0) return new Map();
  if (!known) {
    const { rows } = await tx.query<AlertRow>(
      `${ALERT_SELECT} WHERE alert_id = ANY($1::uuid[]) ORDER BY alert_id FOR UPDATE`,
      [alertIds],
    );
    return new Map(rows.map((row) => [row.alert_id, storedAlertOf(row)]));
  }
  const { rows } = await tx.query<Omit<AlertRow, 'evidence'>>(
    `SELECT ${COLUMNS_BEFORE_EVIDENCE}, ${COLUMNS_AFTER_EVIDENCE} FROM alerts
     WHERE alert_id = ANY($1::uuid[]) ORDER BY alert_id FOR UPDATE`,
    [alertIds],
  );
  const unknown = rows.filter((row) => known(row.alert_id) === undefined);
  const read = new Map<string, StoredAlert['evidence']>();
  if (unknown.length) {
    const evidence = await tx.query<{ alert_id: string; evidence: StoredAlert['evidence'] }>(
      'SELECT alert_id::text AS alert_id, evidence FROM alerts WHERE alert_id = ANY($1::uuid[])',
      [unknown.map((row) => row.alert_id)],
    );
    for (const row of evidence.rows) read.set(row.alert_id, row.evidence);
  }
  return new Map(
    rows.map((row) => [
      row.alert_id,
      storedAlertOf({
        ...row,
        evidence: known(row.alert_id) ?? (read.get(row.alert_id) as StoredAlert['evidence']),
      }),
    ]),
  );
}

export async function findAlert(tx: Queryable, alertId: string): Promise<StoredAlert | undefined> {
  const { rows } = await tx.query<AlertRow>(`${ALERT_SELECT} WHERE alert_id = $1::uuid`, [alertId]);
  return rows.length ? storedAlertOf(rows[0]) : undefined;
}

/** Filters of an alert list (each one an equality); absent ones do not filter. */
export interface AlertFilter {
  theatre?: string;
  status?: string;
  severity?: string;
  rule?: string;
}

/**
 * Alerts newest first by (raisedAt, alertId), both fixed per alert, so a page can go on from
 * the key of its last alert (`before`, exclusive). Answers up to `limit` alerts.
 */
export async function listAlerts(
  db: Queryable,
  filter: AlertFilter,
  before: { raisedAt: string; alertId: string } | undefined,
  limit: number,
): Promise<StoredAlert[]> {
  const where: string[] = [];
  const values: unknown[] = [];
  for (const column of ['theatre', 'status', 'severity', 'rule'] as const) {
    const value = filter[column];
    if (value === undefined) continue;
    values.push(value);
    where.push(`${column} = $${values.length}`);
  }
  if (before !== undefined) {
    values.push(before.raisedAt, before.alertId);
    where.push(
      `(raised_at, alert_id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`,
    );
  }
  values.push(limit);
  const { rows } = await db.query<AlertRow>(
    `${ALERT_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY raised_at DESC, alert_id DESC LIMIT $${values.length}`,
    values,
  );
  return rows.map(storedAlertOf);
}

/**
 * A user's acknowledge or resolve, in the caller's transaction: locks the alert, applies the
 * lifecycle and writes the step (alert, journal entry, open counts). Undefined: no such alert.
 */
export async function recordUserAction(
  tx: Queryable,
  alertId: string,
  action: UserAction,
  note: string | null,
  now: string,
  recordedBy: string,
): Promise<UserActionOutcome | undefined> {
  const before = await lockAlerts(tx, [alertId]);
  const stored = before.get(alertId);
  if (!stored) return undefined;
  const outcome = applyUserAction(stored, action, note, now, recordedBy);
  if (outcome.ok) await writeLifecycleSteps(tx, [outcome.step], before);
  return outcome;
}

const UPSERT_ALERTS = `
INSERT INTO alerts (
  alert_id, rule, theatre, severity, status, summary, window_start, window_end, raised_at,
  evidence, engine_status, acknowledged_at, acknowledgement_note, resolved_at, resolved_by,
  resolution_note, updated_at, acknowledged_by_key, resolved_by_key)
SELECT r.alert_id, r.rule, r.theatre, r.severity, r.status, r.summary, r.window_start,
  r.window_end, r.raised_at, r.evidence, r.engine_status, r.acknowledged_at,
  r.acknowledgement_note, r.resolved_at, r.resolved_by, r.resolution_note, r.updated_at,
  r.acknowledged_by_key, r.resolved_by_key
FROM jsonb_to_recordset($1::jsonb) AS r(
  alert_id uuid, rule text, theatre text, severity text, status text, summary text,
  window_start timestamptz, window_end timestamptz, raised_at timestamptz, evidence jsonb,
  engine_status text, acknowledged_at timestamptz, acknowledgement_note text,
  resolved_at timestamptz, resolved_by text, resolution_note text, updated_at timestamptz,
  acknowledged_by_key text, resolved_by_key text)
ON CONFLICT (alert_id) DO UPDATE SET
  rule = excluded.rule, theatre = excluded.theatre, severity = excluded.severity,
  status = excluded.status, summary = excluded.summary, window_start = excluded.window_start,
  window_end = excluded.window_end, raised_at = excluded.raised_at,
  evidence = excluded.evidence, engine_status = excluded.engine_status,
  acknowledged_at = excluded.acknowledged_at,
  acknowledgement_note = excluded.acknowledgement_note, resolved_at = excluded.resolved_at,
  resolved_by = excluded.resolved_by, resolution_note = excluded.resolution_note,
  updated_at = excluded.updated_at, acknowledged_by_key = excluded.acknowledged_by_key,
  resolved_by_key = excluded.resolved_by_key`;

const APPEND_CHANGES = `
INSERT INTO alert_changes (seq, alert_id, theatre, change, alert)
SELECT $1::bigint + c.ordinality, (c.value->>'alertId')::uuid, c.value->>'theatre',
  ($2::text[])[c.ordinality::int], c.value
FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS c`;

export interface WrittenChange {
  seq: number;
  change: AlertChangeKind;
  alert: AlertView;
}

/**
 * Stores lifecycle steps in the caller's transaction: the alerts' new state, one journal entry
 * per step (several steps of one alert in order), the theatres' open-alert counts, and a
 * NOTIFY for the stream (sent at commit).
 * `before` holds the stored alerts as they were (locked by lockAlerts), for the counts.
 * The journal lock is taken last and held to commit, so seq order is commit order.
 */
export async function writeLifecycleSteps(
  tx: Queryable,
  steps: readonly LifecycleStep[],
  before: ReadonlyMap<string, StoredAlert>,
): Promise<WrittenChange[]> {
  if (steps.length === 0) return [];
  // An alert may have several steps (raised, then resolved): its row and its count follow the
  // last, the journal gets them all.
  const last = new Map(steps.map((step) => [step.alert.alertId, step.alert]));
  const json = new EvidenceJson();
  await tx.query(UPSERT_ALERTS, [
    `[${[...last.values()].map((alert) => json.of(alertRowJson(alert), alert.evidence)).join(',')}]`,
  ]);

  const deltas = new Map<string, number>();
  for (const alert of last.values()) {
    const previous = before.get(alert.alertId);
    const delta =
      Number(isUnresolved(alert.status)) - Number(previous ? isUnresolved(previous.status) : 0);
    if (delta !== 0) deltas.set(alert.theatre, (deltas.get(alert.theatre) ?? 0) + delta);
  }

  await tx.query(LOCK_JOURNAL);
  await addOpenAlertCounts(tx, deltas);
  const base = await alertJournal.head(tx);
  const views = steps.map((step) => alertView(step.alert));
  await tx.query(APPEND_CHANGES, [
    base,
    steps.map((step) => step.change),
    `[${views.map(({ evidence, ...view }) => json.of(view, evidence)).join(',')}]`,
  ]);
  await tx.query(`SELECT pg_notify('${ALERTS_CHANNEL}', $1)`, [String(base + steps.length)]);
  return views.map((alert, index) => ({
    seq: base + index + 1,
    change: steps[index].change,
    alert,
  }));
}

/**
 * JSON texts of objects with an evidence list, each list serialized once: an alert's row and its
 * journal entries share one list, which may hold thousands of entries.
 */
class EvidenceJson {
  private readonly texts = new Map<StoredAlert['evidence'], string>();

  /** The JSON of `fields` with `evidence` added as its last member. */
  of(fields: Record<string, unknown>, evidence: StoredAlert['evidence']): string {
    let text = this.texts.get(evidence);
    if (text === undefined) {
      text = JSON.stringify(evidence);
      this.texts.set(evidence, text);
    }
    const head = JSON.stringify(fields);
    return head === '{}' ? `{"evidence":${text}}` : `${head.slice(0, -1)},"evidence":${text}}`;
  }
}

/** The alert as a row of UPSERT_ALERTS, without its evidence (EvidenceJson adds it). */
function alertRowJson(alert: StoredAlert): Record<string, unknown> {
  return {
    alert_id: alert.alertId,
    rule: alert.rule,
    theatre: alert.theatre,
    severity: alert.severity,
    status: alert.status,
    summary: alert.summary,
    window_start: alert.windowStart,
    window_end: alert.windowEnd,
    raised_at: alert.raisedAt,
    engine_status: alert.engineStatus,
    acknowledged_at: alert.acknowledgement?.at ?? null,
    acknowledgement_note: alert.acknowledgement?.note ?? null,
    resolved_at: alert.resolution?.at ?? null,
    resolved_by: alert.resolution?.by ?? null,
    resolution_note: alert.resolution?.note ?? null,
    updated_at: alert.updatedAt,
    acknowledged_by_key: alert.acknowledgement?.recordedBy ?? null,
    resolved_by_key: alert.resolution?.recordedBy ?? null,
  };
}
