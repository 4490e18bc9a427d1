import type { Queryable } from './queryable';
import type { AlertChangeKind, AlertView, StoredAlert } from './domain/stored-alert';
import { alertView, isUnresolved } from './domain/stored-alert';
import type { LifecycleStep, UserAction, UserActionOutcome } from './domain/alert-lifecycle';
import { applyUserAction } from './domain/alert-lifecycle';
import { evidenceDelta } from './domain/evidence-delta';
import type { EvidenceDelta } from './domain/evidence-delta';
import { ALERTS_CHANNEL, alertJournal } from './alert-journal';
import { addOpenAlertCounts } from './open-alert-counts';

/** One key for every writer of alert_changes: seq is handed out under it (see the migration). */
const LOCK_JOURNAL = `SELECT pg_advisory_xact_lock(hashtextextended('cm_alert_changes', 0))`;

const HEADER_COLUMNS = `
  alert_id::text AS alert_id, rule, theatre, severity, status, summary, window_start, window_end,
  raised_at, engine_status, acknowledged_at, acknowledgement_note, resolved_at, resolved_by,
  resolution_note, updated_at, acknowledged_by_key, resolved_by_key`;

/**
 * An alert's current evidence (see the alert-evidence migration), in the engine's order:
 * occurredAt, then reportId. A subquery per alert, which FOR UPDATE allows.
 */
const CURRENT_EVIDENCE = `coalesce((
  SELECT jsonb_agg(
      jsonb_build_object('reportId', x.report_id, 'type', x.type, 'occurredAt', x.occurred_at)
      ORDER BY x.t, x.report_id)
  FROM alert_evidence x WHERE x.alert_id = alerts.alert_id AND x.removed_seq IS NULL), '[]')`;

const ALERT_COLUMNS = `${HEADER_COLUMNS}, ${CURRENT_EVIDENCE} AS evidence`;

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
 * The alerts with these ids, as of now, with every other writer of alerts kept out until the
 * transaction ends. The lock is the journal's (every writer takes it, here or in
 * writeLifecycleSteps, and holds it to commit), taken before the alerts are read: so what is
 * read is what the writer's steps start from, and no row lock is needed. Row locks (FOR UPDATE)
 * cost a write per row: 100 ms for the 1,500 alerts of a catch-up batch, a third of the
 * batch's statement time (docs/BENCHMARKS.md, notes on the alerter's catch-up). With `known`,
 * the evidence of alerts it knows is not read back (an alert's evidence can be thousands of
 * entries, and the alerter wrote it itself): only the others' is.
 */
export async function lockAlerts(
  tx: Queryable,
  alertIds: readonly string[],
  known?: KnownEvidence,
): Promise<Map<string, StoredAlert>> {
  if (alertIds.length === 0) return new Map();
  await tx.query(LOCK_JOURNAL);
  if (!known) {
    const { rows } = await tx.query<AlertRow>(`${ALERT_SELECT} WHERE alert_id = ANY($1::uuid[])`, [
      alertIds,
    ]);
    return new Map(rows.map((row) => [row.alert_id, storedAlertOf(row)]));
  }
  const { rows } = await tx.query<Omit<AlertRow, 'evidence'>>(
    `SELECT ${HEADER_COLUMNS} FROM alerts WHERE alert_id = ANY($1::uuid[])`,
    [alertIds],
  );
  const unknown = rows.filter((row) => known(row.alert_id) === undefined);
  const read = new Map<string, StoredAlert['evidence']>();
  if (unknown.length) {
    const evidence = await tx.query<{ alert_id: string; evidence: StoredAlert['evidence'] }>(
      `SELECT alert_id::text AS alert_id, ${CURRENT_EVIDENCE} AS evidence FROM alerts
       WHERE alert_id = ANY($1::uuid[])`,
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
  engine_status, acknowledged_at, acknowledgement_note, resolved_at, resolved_by,
  resolution_note, updated_at, acknowledged_by_key, resolved_by_key)
SELECT r.alert_id, r.rule, r.theatre, r.severity, r.status, r.summary, r.window_start,
  r.window_end, r.raised_at, r.engine_status, r.acknowledged_at,
  r.acknowledgement_note, r.resolved_at, r.resolved_by, r.resolution_note, r.updated_at,
  r.acknowledged_by_key, r.resolved_by_key
FROM jsonb_to_recordset($1::jsonb) AS r(
  alert_id uuid, rule text, theatre text, severity text, status text, summary text,
  window_start timestamptz, window_end timestamptz, raised_at timestamptz,
  engine_status text, acknowledged_at timestamptz, acknowledgement_note text,
  resolved_at timestamptz, resolved_by text, resolution_note text, updated_at timestamptz,
  acknowledged_by_key text, resolved_by_key text)
ON CONFLICT (alert_id) DO UPDATE SET
  rule = excluded.rule, theatre = excluded.theatre, severity = excluded.severity,
  status = excluded.status, summary = excluded.summary, window_start = excluded.window_start,
  window_end = excluded.window_end, raised_at = excluded.raised_at,
  engine_status = excluded.engine_status,
  acknowledged_at = excluded.acknowledged_at,
  acknowledgement_note = excluded.acknowledgement_note, resolved_at = excluded.resolved_at,
  resolved_by = excluded.resolved_by, resolution_note = excluded.resolution_note,
  updated_at = excluded.updated_at, acknowledged_by_key = excluded.acknowledged_by_key,
  resolved_by_key = excluded.resolved_by_key`;

/** Entries each of: the alert without its evidence (h), evidence added (a) and removed (r). */
const APPEND_CHANGES = `
INSERT INTO alert_changes (seq, alert_id, theatre, change, alert, evidence_added, evidence_removed)
SELECT $1::bigint + c.ordinality, (c.value->'h'->>'alertId')::uuid, c.value->'h'->>'theatre',
  ($2::text[])[c.ordinality::int], c.value->'h', c.value->'a', c.value->'r'
FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS c`;

/** Evidence that an earlier transaction added and this one removes (found as current). */
const REMOVE_EVIDENCE = `
UPDATE alert_evidence x SET removed_seq = u.seq
FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::bigint[]) AS u(alert_id, t, report_id, seq)
WHERE x.alert_id = u.alert_id AND x.t = u.t AND x.report_id = u.report_id
  AND x.removed_seq IS NULL`;

/** Evidence this transaction adds (removed_seq set when a later step of it removes it). */
const ADD_EVIDENCE = `
INSERT INTO alert_evidence (alert_id, report_id, type, occurred_at, t, added_seq, removed_seq)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[],
  $7::bigint[])`;

export interface WrittenChange {
  seq: number;
  change: AlertChangeKind;
  alert: AlertView;
}

/**
 * Stores lifecycle steps in the caller's transaction: the alerts' new state, one journal entry
 * per step (several steps of one alert in order), the theatres' open-alert counts, and a
 * NOTIFY for the stream (sent at commit).
 * `before` holds the stored alerts as they were (locked by lockAlerts): their evidence is what
 * the steps' evidence is compared with, and their status is what the counts move from.
 * A journal entry holds the alert without its evidence and the evidence the step added and
 * removed; alert_evidence holds each piece of evidence once, with the seqs of the entries that
 * added and removed it (see the alert-evidence migration). The journal lock is taken before the
 * evidence is written (its rows name seqs) and held to commit, so seq order is commit order.
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
  await tx.query(UPSERT_ALERTS, [JSON.stringify([...last.values()].map(alertRowJson))]);

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
  const evidence = new EvidenceWrites();
  const entries: string[] = [];
  const lastEvidence = new Map<string, StoredAlert['evidence']>();
  const views = steps.map((step) => alertView(step.alert));
  steps.forEach((step, index) => {
    const { alertId } = step.alert;
    const previous = lastEvidence.get(alertId) ?? before.get(alertId)?.evidence ?? [];
    const delta = evidenceDelta(previous, step.alert.evidence);
    lastEvidence.set(alertId, step.alert.evidence);
    evidence.record(alertId, base + index + 1, delta);
    const { evidence: _evidence, ...header } = views[index];
    entries.push(
      `{"h":${JSON.stringify(header)},"a":${JSON.stringify(delta.added)},` +
        `"r":${JSON.stringify(delta.removed)}}`,
    );
  });
  await evidence.write(tx);
  await tx.query(APPEND_CHANGES, [
    base,
    steps.map((step) => step.change),
    `[${entries.join(',')}]`,
  ]);
  await tx.query(`SELECT pg_notify('${ALERTS_CHANNEL}', $1)`, [String(base + steps.length)]);
  return views.map((alert, index) => ({
    seq: base + index + 1,
    change: steps[index].change,
    alert,
  }));
}

/** The alert_evidence rows of one transaction's steps, written in two statements. */
class EvidenceWrites {
  private readonly removals = {
    alertIds: [] as string[],
    ts: [] as number[],
    reportIds: [] as string[],
    seqs: [] as number[],
  };
  private readonly additions = {
    alertIds: [] as string[],
    reportIds: [] as string[],
    types: [] as string[],
    occurredAts: [] as string[],
    ts: [] as number[],
    addedSeqs: [] as number[],
    removedSeqs: [] as (number | null)[],
  };
  /** Additions of this transaction still current, by alertId and reportId: their index. */
  private readonly added = new Map<string, number>();

  record(alertId: string, seq: number, delta: EvidenceDelta): void {
    for (const entry of delta.removed) {
      const key = `${alertId} ${entry.reportId}`;
      const index = this.added.get(key);
      if (index !== undefined) {
        this.additions.removedSeqs[index] = seq;
        this.added.delete(key);
      } else {
        this.removals.alertIds.push(alertId);
        this.removals.ts.push(Date.parse(entry.occurredAt));
        this.removals.reportIds.push(entry.reportId);
        this.removals.seqs.push(seq);
      }
    }
    const { additions } = this;
    for (const entry of delta.added) {
      this.added.set(`${alertId} ${entry.reportId}`, additions.alertIds.length);
      additions.alertIds.push(alertId);
      additions.reportIds.push(entry.reportId);
      additions.types.push(entry.type);
      additions.occurredAts.push(entry.occurredAt);
      additions.ts.push(Date.parse(entry.occurredAt));
      additions.addedSeqs.push(seq);
      additions.removedSeqs.push(null);
    }
  }

  /** Removals first: a corrected report's new row may have the same t and reportId. */
  async write(tx: Queryable): Promise<void> {
    const { removals, additions } = this;
    if (removals.seqs.length) {
      await tx.query(REMOVE_EVIDENCE, [
        removals.alertIds,
        removals.ts,
        removals.reportIds,
        removals.seqs,
      ]);
    }
    if (additions.addedSeqs.length) {
      await tx.query(ADD_EVIDENCE, [
        additions.alertIds,
        additions.reportIds,
        additions.types,
        additions.occurredAts,
        additions.ts,
        additions.addedSeqs,
        additions.removedSeqs,
      ]);
    }
  }
}

/** The alert as a row of UPSERT_ALERTS (its evidence is in alert_evidence). */
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
