import type { AlertEvidence } from '@cm/escalation';
import { createTestDatabase } from '@cm/test-support';
import type { TestDatabase } from '@cm/test-support';
import type { PoolClient } from 'pg';
import type { QueryRunner } from 'typeorm';
import { AlertEvidence1764600000000 } from '../../../infra/migrations/1764600000000-alert-evidence';
import { alertJournal } from './alert-journal';
import type { JournalEntry } from './alert-journal';
import {
  findAlert,
  listAlerts,
  lockAlerts,
  recordUserAction,
  writeLifecycleSteps,
} from './alert-store';
import type { LifecycleStep } from './domain/alert-lifecycle';
import { alertView } from './domain/stored-alert';
import type { AlertView, StoredAlert } from './domain/stored-alert';

/**
 * Alert evidence stored once per report (alert_evidence) and a journal of what changed
 * (alert_changes): the alerts and the journal entries read back are those the whole-alert
 * journal gave (the same JSON), and an entry's size does not grow with its alert's evidence.
 */

const ALERT = '3f1d8a52-0c55-4a53-9d8e-1f6a3b0c9d01';
const OTHER = '3f1d8a52-0c55-4a53-9d8e-1f6a3b0c9d02';
const START = Date.parse('2025-03-01T00:00:00.000Z');

function evidence(reportId: string, minute: number, type = 'deployment'): AlertEvidence {
  return {
    reportId,
    type: type as AlertEvidence['type'],
    occurredAt: new Date(START + minute * 60_000).toISOString(),
  };
}

function alert(
  alertId: string,
  items: AlertEvidence[],
  fields: Partial<StoredAlert> = {},
): StoredAlert {
  return {
    alertId,
    rule: 'foreign-reinforcement',
    theatre: 'evidence-theatre',
    severity: 'high',
    status: 'open',
    summary: `${items.length} reports`,
    windowStart: items[0]?.occurredAt ?? new Date(START).toISOString(),
    windowEnd: items.at(-1)?.occurredAt ?? new Date(START).toISOString(),
    raisedAt: new Date(START).toISOString(),
    evidence: items,
    engineStatus: 'open',
    acknowledgement: null,
    resolution: null,
    updatedAt: new Date(START + 3_600_000).toISOString(),
    ...fields,
  };
}

/** The alert JSON as the whole-alert journal gave it: the view, through jsonb. */
async function asJournaled(db: TestDatabase, views: AlertView[]): Promise<string[]> {
  const { rows } = await db.pool.query<{ alert: AlertView }>(
    'SELECT value AS alert FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY ORDER BY ordinality',
    [JSON.stringify(views)],
  );
  return rows.map((row) => JSON.stringify(row.alert));
}

describe('alert evidence stored once, journal of changes', () => {
  let db: TestDatabase;

  async function inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  /** Writes the steps as the alerter does, in one transaction, reading `before` back. */
  function write(steps: LifecycleStep[]): Promise<unknown> {
    return inTransaction(async (client) => {
      const before = await lockAlerts(client, [...new Set(steps.map((s) => s.alert.alertId))]);
      return writeLifecycleSteps(client, steps, before);
    });
  }

  async function journal(after = 0): Promise<JournalEntry[]> {
    return alertJournal.readAfter(db.pool, after, 100_000);
  }

  beforeEach(async () => {
    db = await createTestDatabase();
  }, 120_000);
  afterEach(() => db.drop(), 120_000);

  /**
   * Raised, more evidence, a report corrected in type and one in time, one retracted, an
   * acknowledgement, and another alert raised and resolved in the same transaction with other
   * evidence at each step.
   */
  async function writeHistory(): Promise<StoredAlert[]> {
    const a = evidence('r-a', 0);
    const b = evidence('r-b', 10);
    const c = evidence('r-c', 10);
    const d = evidence('r-d', 30);
    const written: StoredAlert[] = [];
    const raised = alert(ALERT, [a, b, c]);
    const grown = alert(ALERT, [a, b, c, d], { updatedAt: '2025-03-01T02:00:00.000Z' });
    const corrected = alert(
      ALERT,
      [evidence('r-c', 5), a, evidence('r-b', 10, 'incident'), d].sort(
        (x, y) => Date.parse(x.occurredAt) - Date.parse(y.occurredAt),
      ),
      { updatedAt: '2025-03-01T03:00:00.000Z' },
    );
    await write([{ change: 'raised', alert: raised }]);
    written.push(raised);
    await write([{ change: 'updated', alert: grown }]);
    written.push(grown);
    await write([{ change: 'updated', alert: corrected }]);
    written.push(corrected);
    // r-c, now second in time, is retracted.
    const retracted = alert(ALERT, [corrected.evidence[0], ...corrected.evidence.slice(2)], {
      updatedAt: '2025-03-01T04:00:00.000Z',
    });
    await write([{ change: 'updated', alert: retracted }]);
    written.push(retracted);
    const acknowledged = await inTransaction((client) =>
      recordUserAction(client, ALERT, 'acknowledge', 'seen', '2025-03-01T05:00:00.000Z', 'ops'),
    );
    if (!acknowledged?.ok) throw new Error('acknowledge refused');
    written.push(acknowledged.step.alert);
    const other = alert(OTHER, [a, d]);
    const otherResolved = alert(OTHER, [a, evidence('r-b', 10, 'incident')], {
      status: 'resolved',
      engineStatus: 'resolved',
      resolution: { at: '2025-03-01T06:00:00.000Z', by: 'engine', note: 'retracted' },
    });
    const last = alert(ALERT, [...retracted.evidence, evidence('r-e', 40)], {
      status: 'acknowledged',
      acknowledgement: acknowledged.step.alert.acknowledgement,
      updatedAt: '2025-03-01T06:00:00.000Z',
    });
    await write([
      { change: 'raised', alert: other },
      { change: 'updated', alert: last },
      { change: 'resolved', alert: otherResolved },
    ]);
    written.push(other, last, otherResolved);
    return written;
  }

  it('reads back the whole alerts and journal the whole-alert journal gave', async () => {
    const written = await writeHistory();
    const entries = await journal();
    expect(entries.map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(entries.map((entry) => entry.change)).toEqual([
      'raised',
      'updated',
      'updated',
      'updated',
      'acknowledged',
      'raised',
      'updated',
      'resolved',
    ]);
    expect(entries.map((entry) => JSON.stringify(entry.alert))).toEqual(
      await asJournaled(db, written.map(alertView)),
    );
    expect(await alertJournal.entry(db.pool, 5)).toEqual(entries[4]);
    const theatre = await alertJournal.readAfter(db.pool, 2, 3, 'evidence-theatre');
    expect(theatre).toEqual(entries.slice(2, 5));

    // The journal table holds the change: the alert without evidence, what came and went.
    const { rows } = await db.pool.query<{
      alert: Record<string, unknown>;
      evidence_added: AlertEvidence[];
      evidence_removed: AlertEvidence[];
    }>('SELECT alert, evidence_added, evidence_removed FROM alert_changes ORDER BY seq');
    expect(rows.every((row) => !('evidence' in row.alert))).toBe(true);
    expect(rows.map((row) => row.evidence_added.map((item) => item.reportId))).toEqual([
      ['r-a', 'r-b', 'r-c'],
      ['r-d'],
      ['r-c', 'r-b'],
      [],
      [],
      ['r-a', 'r-d'],
      ['r-e'],
      ['r-b'],
    ]);
    expect(rows.map((row) => row.evidence_removed.map((item) => item.reportId))).toEqual([
      [],
      [],
      ['r-b', 'r-c'],
      ['r-c'],
      [],
      [],
      [],
      ['r-d'],
    ]);

    const latest = new Map(written.map((stored) => [stored.alertId, stored]));
    expect(await findAlert(db.pool, ALERT)).toEqual(latest.get(ALERT));
    expect(await findAlert(db.pool, OTHER)).toEqual(latest.get(OTHER));
    expect(await listAlerts(db.pool, {}, undefined, 10)).toEqual(
      [...latest.values()].sort((x, y) => (x.alertId < y.alertId ? 1 : -1)),
    );
    const locked = await inTransaction((client) => lockAlerts(client, [ALERT, OTHER]));
    expect(locked.get(ALERT)).toEqual(latest.get(ALERT));
  });

  it('takes entries written before (the whole alert in the entry) as they are', async () => {
    await writeHistory();
    const whole = alertView(alert(OTHER, [evidence('r-z', 50)], { summary: 'old' }));
    await db.pool.query(
      `INSERT INTO alert_changes (seq, alert_id, theatre, change, alert) VALUES
         (9, $1, 'evidence-theatre', 'updated', $2::jsonb),
         (10, $1, 'evidence-theatre', 'updated', '{"alertId":"${OTHER}","n":1}')`,
      [OTHER, JSON.stringify(whole)],
    );
    const entries = await journal(8);
    expect(entries.map((entry) => JSON.stringify(entry.alert))).toEqual([
      ...(await asJournaled(db, [whole])),
      `{"n":1,"alertId":"${OTHER}"}`,
    ]);
  });

  it('migrates: down writes whole alerts back, up moves the evidence out again', async () => {
    const written = await writeHistory();
    const entries = await journal();
    const stored = [await findAlert(db.pool, ALERT), await findAlert(db.pool, OTHER)];
    const migration = new AlertEvidence1764600000000();
    const runner = { query: (sql: string) => db.pool.query(sql) } as unknown as QueryRunner;

    await migration.down(runner);
    const old = await db.pool.query<{ alert: AlertView }>(
      'SELECT alert FROM alert_changes ORDER BY seq',
    );
    expect(old.rows.map((row) => JSON.stringify(row.alert))).toEqual(
      await asJournaled(db, written.map(alertView)),
    );
    const alerts = await db.pool.query<{ evidence: AlertEvidence[] }>(
      'SELECT evidence FROM alerts ORDER BY alert_id',
    );
    expect(alerts.rows.map((row) => row.evidence)).toEqual(stored.map((s) => s!.evidence));

    await migration.up(runner);
    expect(await journal()).toEqual(entries);
    expect([await findAlert(db.pool, ALERT), await findAlert(db.pool, OTHER)]).toEqual(stored);
    const moved = await db.pool.query<{ alert_id: string; added_seq: string; n: number }>(
      `SELECT alert_id::text AS alert_id, added_seq::text AS added_seq, count(*)::int AS n
       FROM alert_evidence GROUP BY 1, 2 ORDER BY 1`,
    );
    expect(moved.rows).toEqual([
      { alert_id: ALERT, added_seq: '7', n: stored[0]!.evidence.length },
      { alert_id: OTHER, added_seq: '8', n: stored[1]!.evidence.length },
    ]);

    // Changes after the migration build on the moved evidence.
    const next = alert(ALERT, [...stored[0]!.evidence.slice(1), evidence('r-f', 50)], {
      status: 'acknowledged',
      acknowledgement: stored[0]!.acknowledgement,
      updatedAt: '2025-03-01T07:00:00.000Z',
    });
    await write([{ change: 'updated', alert: next }]);
    const [after] = await journal(8);
    expect(JSON.stringify(after.alert)).toEqual((await asJournaled(db, [alertView(next)]))[0]);
    expect(await findAlert(db.pool, ALERT)).toEqual(next);
  });

  it('journals an entry of the same size per report added, as an alert grows to thousands', async () => {
    let items: AlertEvidence[] = [];
    let steps: LifecycleStep[] = [];
    const summary = 'a summary of a constant length';
    for (let index = 0; index < 3000; index++) {
      items = [...items, evidence(`r-${String(index).padStart(5, '0')}`, index)];
      steps.push({
        change: index === 0 ? 'raised' : 'updated',
        alert: alert(ALERT, items, { summary }),
      });
      // Some steps one per transaction, most a hundred at a time (an alerter's batch).
      if (index < 20 || steps.length === 100) {
        await write(steps);
        steps = [];
      }
    }
    if (steps.length) await write(steps);
    const { rows } = await db.pool.query<{ bytes: number }>(
      'SELECT pg_column_size(c.*) AS bytes FROM alert_changes c WHERE seq > 1 ORDER BY seq',
    );
    expect(rows).toHaveLength(2999);
    const sizes = rows.map((row) => row.bytes);
    // Every entry holds one report; only the digits of the times and ids differ.
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(16);
    const [last] = await alertJournal.readAfter(db.pool, 2999, 1);
    expect(last.alert.evidence).toEqual(items);
    expect((await findAlert(db.pool, ALERT))?.evidence).toEqual(items);
  });
  it('keeps a user action out while the alerter holds the alerts it read, losing neither', async () => {
    await write([{ change: 'raised', alert: alert(ALERT, [evidence('r-a', 1)]) }]);
    const alerter = await db.pool.connect();
    try {
      await alerter.query('BEGIN');
      const before = await lockAlerts(alerter, [ALERT]);
      // A user acknowledges meanwhile: it must wait for the alerter's transaction, then start
      // from what the alerter wrote (not from the alert as it was before).
      let acknowledged = false;
      const user = inTransaction((client) =>
        recordUserAction(client, ALERT, 'acknowledge', 'seen', '2025-03-02T00:00:00.000Z', 'ops'),
      ).then((outcome) => {
        acknowledged = true;
        return outcome;
      });
      await new Promise((done) => setTimeout(done, 300));
      expect(acknowledged).toBe(false);
      const grown = alert(ALERT, [evidence('r-a', 1), evidence('r-b', 2)], { summary: 'grown' });
      await writeLifecycleSteps(alerter, [{ change: 'updated', alert: grown }], before);
      await alerter.query('COMMIT');
      expect((await user)?.ok).toBe(true);
    } finally {
      alerter.release();
    }
    const stored = await findAlert(db.pool, ALERT);
    expect(stored).toMatchObject({
      summary: 'grown',
      status: 'acknowledged',
      acknowledgement: { note: 'seen', recordedBy: 'ops' },
    });
    expect(stored?.evidence.map((item) => item.reportId)).toEqual(['r-a', 'r-b']);
  });
});
