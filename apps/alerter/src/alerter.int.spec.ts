import { resolve } from 'node:path';
import { backtest } from '@cm/escalation';
import type { Rule } from '@cm/escalation';
import { createTestDatabase } from '@cm/test-support';
import type { TestDatabase } from '@cm/test-support';
import {
  appendSyntheticHistory,
  contractAlerts,
  readAllEvents,
  storedAlerts,
} from '@cm/test-support/synthetic-history-store';
import { Alerter } from './alerter';
import { loadRulesDirectory } from '@cm/alerts';

jest.setTimeout(120_000);

const HISTORY = { seed: 7, events: 4000, theatres: 12, days: 120 };

describe('the alerter over a stored history (determinism)', () => {
  let db: TestDatabase;
  let rules: Rule[];
  let head: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    rules = await loadRulesDirectory(resolve(__dirname, '../../../infra/rules'));
    head = await appendSyntheticHistory(db.pool, HISTORY);
  }, 120_000);
  afterAll(() => db.drop(), 120_000);

  async function runAlerter(options: { snapshotEvery?: number; batchSize?: number } = {}) {
    const alerter = new Alerter({ pool: db.pool, rules, ...options });
    await alerter.start();
    await alerter.waitUntilCaughtUp(head, 60_000);
    await alerter.stop();
  }

  async function resetAlerter(): Promise<void> {
    await db.pool.query(
      `TRUNCATE alerts, alert_changes, theatre_alert_counts, alerter_snapshots CASCADE;
       UPDATE subscription_checkpoints SET position = 0, transaction_id = '0' WHERE name = 'alerter'`,
    );
  }

  it('stores the alerts a backtest of the same events gives, and the same after a rebuild', async () => {
    const expected = contractAlerts(backtest(rules, await readAllEvents(db.pool)));
    expect(expected.length).toBeGreaterThan(20);
    expect(expected.some((alert) => alert.status === 'resolved')).toBe(true);

    await runAlerter({ batchSize: 97, snapshotEvery: 500 });
    const live = contractAlerts(await storedAlerts(db.pool));
    expect(live).toEqual(expected);

    await resetAlerter();
    await runAlerter({ batchSize: 1000 });
    expect(contractAlerts(await storedAlerts(db.pool))).toEqual(expected);
  });

  it('keeps open counts equal to the unresolved alerts and a gapless journal', async () => {
    const counts = await db.pool.query<{ theatre: string; open_alerts: number }>(
      'SELECT theatre, open_alerts FROM theatre_alert_counts WHERE open_alerts > 0 ORDER BY theatre',
    );
    const unresolved = await db.pool.query<{ theatre: string; open_alerts: number }>(
      `SELECT theatre, count(*)::int AS open_alerts FROM alerts WHERE status <> 'resolved'
       GROUP BY theatre ORDER BY theatre`,
    );
    expect(counts.rows).toEqual(unresolved.rows);
    const journal = await db.pool.query<{ n: number; max: string; raised: number; alerts: number }>(
      `SELECT count(*)::int AS n, max(seq)::text AS max,
         count(*) FILTER (WHERE change = 'raised')::int AS raised,
         count(DISTINCT alert_id)::int AS alerts FROM alert_changes`,
    );
    expect(Number(journal.rows[0].max)).toBe(journal.rows[0].n);
    const alerts = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM alerts');
    expect(journal.rows[0].alerts).toBe(alerts.rows[0].n);
    expect(journal.rows[0].raised).toBeLessThanOrEqual(alerts.rows[0].n);
  });

  it('resumes from a snapshot and the events after it, raising nothing twice', async () => {
    await resetAlerter();
    const expected = contractAlerts(await storedAlerts(db.pool)).length;
    expect(expected).toBe(0);
    // First run: stopped part-way (a checkpoint in the middle), with snapshots taken.
    const first = new Alerter({ pool: db.pool, rules, batchSize: 300, snapshotEvery: 700 });
    await first.start();
    await first.waitUntilCaughtUp(Math.floor(head / 2), 60_000);
    await first.stop();
    const snapshot = await db.pool.query<{ position: string }>(
      'SELECT position::text FROM alerter_snapshots',
    );
    expect(Number(snapshot.rows[0].position)).toBeGreaterThan(0);
    const theatres = await db.pool.query('SELECT theatre FROM alerter_snapshot_theatres');
    expect(theatres.rows).toHaveLength(HISTORY.theatres);

    await runAlerter({ batchSize: 300, snapshotEvery: 700 });
    const all = contractAlerts(backtest(rules, await readAllEvents(db.pool)));
    expect(contractAlerts(await storedAlerts(db.pool))).toEqual(all);
    const twice = await db.pool.query(
      `SELECT alert_id FROM alert_changes WHERE change = 'raised' GROUP BY alert_id HAVING count(*) > 1`,
    );
    expect(twice.rows).toEqual([]);
  });
});
