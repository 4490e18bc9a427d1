import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { backtest } from '@cm/escalation';
import { loadRulesDirectory } from '@cm/alerts';
import { createTestDatabase, type TestDatabase } from '@cm/test-support';
import {
  AppProcesses,
  buildApps,
  type AppProcess,
  type BuiltApps,
} from '@cm/test-support/app-process';
import { startLoad, until, type LoadFigures } from '@cm/test-support/fault-load';
import {
  contractAlerts,
  readAllEvents,
  storedAlerts,
} from '@cm/test-support/synthetic-history-store';

const root = resolve(__dirname, '../..');

/**
 * The fault suite on an external database (DATABASE_URL): the monitor process killed with
 * kill -9 under load, and its database connections terminated under load. Each test notes
 * its figures (requests, answers by status, acknowledged, lost) in the test output.
 */
describe('faults with DATABASE_URL', () => {
  let built: BuiltApps;
  let processes: AppProcesses;

  beforeAll(() => {
    built = buildApps();
    processes = new AppProcesses(built);
  }, 120_000);
  afterAll(async () => {
    await processes?.killAll();
    built?.remove();
  }, 60_000);

  async function stored(db: TestDatabase, ids: string[]): Promise<Set<string>> {
    const { rows } = await db.pool.query<{ stream_id: string }>(
      'SELECT stream_id FROM events WHERE stream_id = ANY($1)',
      [ids.map((id) => `report-${id}`)],
    );
    return new Set(rows.map((row) => row.stream_id.replace(/^report-/, '')));
  }

  async function projected(db: TestDatabase, ids: string[]): Promise<Set<string>> {
    const { rows } = await db.pool.query<{ report_id: string }>(
      `SELECT report_id FROM rm_ceasefire_violations WHERE report_id = ANY($1)
       UNION ALL SELECT report_id FROM rm_casualties WHERE report_id = ANY($1)`,
      [ids],
    );
    return new Set(rows.map((row) => row.report_id));
  }

  /**
   * The subscriber has read the last event in reading order, (transaction id, position):
   * its checkpoint's position alone may stay below max(position) for good, since
   * transactions commit out of position order.
   */
  async function caughtUp(db: TestDatabase, subscriber: string): Promise<boolean> {
    const { rows } = await db.pool.query<{ done: boolean }>(
      `SELECT coalesce(
         (SELECT (c.transaction_id, c.position) >= (e.transaction_id, e.position)
          FROM subscription_checkpoints c,
            (SELECT transaction_id, position FROM events
             ORDER BY transaction_id DESC, position DESC LIMIT 1) e
          WHERE c.name = $1),
         false) AS done`,
      [subscriber],
    );
    return rows[0].done;
  }

  function note(title: string, figures: LoadFigures, lost: number, extra = ''): void {
    console.log(
      `${title}: ${figures.requests} requests, statuses ${JSON.stringify(figures.statuses)}, ` +
        `${figures.acknowledged.length} acknowledged, ${lost} lost${extra}`,
    );
  }

  describe('the monitor killed with kill -9 during mixed load', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase();
    }, 120_000);
    afterAll(() => db?.drop(), 60_000);

    it('stores and projects every acknowledged report, and raises what a backtest raises', async () => {
      const env = { DATABASE_URL: db.url };
      let current: AppProcess = await processes.start('monitor', env, { label: 'monitor-1' });
      const load = startLoad(() => current.baseUrl, { prefix: 'kill9', clients: 6 });
      try {
        await until('300 acknowledged', () => load.figures.acknowledged.length >= 300, 60_000);
        current.child.kill('SIGKILL');
        expect(await current.exited()).toBe('SIGKILL');
        current = await processes.start('monitor', env, { label: 'monitor-2' });
        const before = load.figures.acknowledged.length;
        await until(
          '200 more acknowledged',
          () => load.figures.acknowledged.length >= before + 200,
          60_000,
        );
      } finally {
        await load.stop();
      }
      const figures = load.figures;
      await until(
        'the projector and the alerter caught up',
        async () => (await caughtUp(db, 'projector')) && (await caughtUp(db, 'alerter')),
        60_000,
      );

      const ids = figures.acknowledged;
      const inStore = await stored(db, ids);
      const inReadModels = await projected(db, ids);
      const lost = ids.filter((id) => !inStore.has(id));
      note('kill -9 of the monitor', figures, lost.length);
      expect(lost).toEqual([]);
      expect(ids.filter((id) => !inReadModels.has(id))).toEqual([]);
      expect(figures.statuses['500']).toBeUndefined();

      const rules = await loadRulesDirectory(join(root, 'infra/rules'));
      const expected = contractAlerts(backtest(rules, await readAllEvents(db.pool)));
      expect(expected.length).toBeGreaterThan(0);
      expect(contractAlerts(await storedAlerts(db.pool))).toEqual(expected);
      // And as a user checks it: the backtest call over the stored reports.
      const answer = await fetch(`${current.baseUrl}/v1/rules/backtest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(answer.status).toBe(200);
      const backtested = (await answer.json()) as { items: Parameters<typeof contractAlerts>[0] };
      expect(contractAlerts(backtested.items)).toEqual(expected);
      current.child.kill('SIGTERM');
      await current.exited();
    }, 110_000);
  });

  describe("the monitor's database connections terminated again and again during load", () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase();
    }, 120_000);
    afterAll(() => db?.drop(), 60_000);

    it('answers 503 (never 500) while they are cut, loses nothing acknowledged and recovers', async () => {
      const monitor = await processes.start('monitor', { DATABASE_URL: db.url });
      const admin = new Client({ connectionString: db.url });
      await admin.connect();
      const load = startLoad(() => monitor.baseUrl, { prefix: 'cut', clients: 6 });
      let terminated = 0;
      try {
        await until('some acknowledged', () => load.figures.acknowledged.length >= 50, 60_000);
        // Every 300 ms, for 40 rounds: each of the app's backends (pool, LISTEN, the
        // subscriptions' transactions) terminated, as an administrator or a failover would.
        for (let round = 0; round < 40; round++) {
          const { rows } = await admin.query<{ n: number }>(
            `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()`,
          );
          terminated += rows[0].n;
          await new Promise((done) => setTimeout(done, 300));
        }
        // Recovery, without a restart: new reports are acknowledged again.
        const before = load.figures.acknowledged.length;
        await until(
          'acknowledged again',
          () => load.figures.acknowledged.length >= before + 50,
          60_000,
        );
      } finally {
        await load.stop();
        await admin.end();
      }
      const figures = load.figures;
      await until('the projector caught up', () => caughtUp(db, 'projector'), 60_000);
      const ids = figures.acknowledged;
      const inStore = await stored(db, ids);
      const inReadModels = await projected(db, ids);
      const lost = ids.filter((id) => !inStore.has(id));
      note('backends terminated', figures, lost.length, `, ${terminated} backends terminated`);

      expect(terminated).toBeGreaterThan(0);
      expect(
        Object.keys(figures.statuses).filter((status) => !/^(2|4)\d\d$|^503$/.test(status)),
      ).toEqual([]);
      expect(lost).toEqual([]);
      expect(ids.filter((id) => !inReadModels.has(id))).toEqual([]);
      const ready = await fetch(`${monitor.baseUrl}/health/ready`);
      expect(ready.status).toBe(200);
      monitor.child.kill('SIGTERM');
      await monitor.exited();
    }, 110_000);
  });
});
