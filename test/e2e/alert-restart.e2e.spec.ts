import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { backtest } from '@cm/escalation';
import { loadRulesDirectory } from '@cm/alerts';
import { createTestDatabase } from '@cm/test-support';
import type { TestDatabase } from '@cm/test-support';
import {
  appendSyntheticHistory,
  contractAlerts,
  readAllEvents,
  storedAlerts,
} from '@cm/test-support/synthetic-history-store';
import { eventually } from '@cm/test-support/eventually';

jest.setTimeout(180_000);

const root = resolve(__dirname, '../..');
const main = join(root, 'dist/apps/alerter/src/main.js');

/** The built alerter alone (apps/alerter/src/main.ts), on the test's database. */
function startAlerter(databaseUrl: string): { child: ChildProcess; output: () => string } {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PORT: '0',
    LOG_LEVEL: 'warn',
  };
  delete env.API_KEYS;
  delete env.HOST;
  delete env.RULES_DIR;
  const child = spawn(process.execPath, [main], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

function exited(child: ChildProcess): Promise<NodeJS.Signals | number | null> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(child.signalCode ?? child.exitCode);
  }
  return new Promise((done) => child.once('exit', (code, signal) => done(signal ?? code)));
}

describe('the alerter process killed with SIGKILL mid-backlog', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'pipe' });
    db = await createTestDatabase();
  }, 120_000);
  afterAll(() => db?.drop(), 120_000);

  async function checkpoint(): Promise<number> {
    const { rows } = await db.pool.query<{ position: string }>(
      `SELECT position::text FROM subscription_checkpoints WHERE name = 'alerter'`,
    );
    return rows.length ? Number(rows[0].position) : 0;
  }

  it('raises each alert exactly once after a restart, as a backtest of the history does', async () => {
    const head = await appendSyntheticHistory(db.pool, {
      seed: 2024,
      // Enough for the second process to handle full batches (ALERTER_BATCH_SIZE, 5,000).
      events: 20_000,
      theatres: 30,
      days: 400,
    });
    const first = startAlerter(db.url);
    await eventually(
      'the first batches',
      async () => (await checkpoint()) > head * 0.3,
      90_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${first.output()}`);
    });
    first.child.kill('SIGKILL');
    expect(await exited(first.child)).toBe('SIGKILL');
    const killedAt = await checkpoint();
    expect(killedAt).toBeLessThan(head);

    const second = startAlerter(db.url);
    let metrics = '';
    try {
      await eventually('the whole backlog', async () => (await checkpoint()) >= head, 120_000);
      const port = /serving http:\/\/[^:]+:(\d+)/.exec(second.output())?.[1];
      expect(port).toBeDefined();
      metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    } finally {
      second.child.kill('SIGTERM');
      await exited(second.child);
    }
    // Catching up, the alerter takes the backlog in batches of up to 5,000 events (not the
    // subscriptions' default 500): some of the second process's batches hold over 2,000.
    const bucket = (le: string) =>
      Number(
        metrics
          .split('\n')
          .find(
            (line) =>
              line.startsWith('cm_alerter_batch_events_bucket{') && line.includes(`le="${le}"`),
          )
          ?.split(' ')
          .at(-1),
      );
    expect(bucket('+Inf')).toBeGreaterThan(0);
    expect(bucket('5000')).toBe(bucket('+Inf'));
    expect(bucket('2000')).toBeLessThan(bucket('+Inf'));
    const rules = await loadRulesDirectory(join(root, 'infra/rules'));
    const expected = contractAlerts(backtest(rules, await readAllEvents(db.pool)));
    expect(expected.length).toBeGreaterThan(30);
    expect(contractAlerts(await storedAlerts(db.pool))).toEqual(expected);
    const raisedTwice = await db.pool.query(
      `SELECT alert_id FROM alert_changes WHERE change = 'raised' GROUP BY alert_id HAVING count(*) > 1`,
    );
    expect(raisedTwice.rows).toEqual([]);
    const journaled = await db.pool.query<{ n: number }>(
      'SELECT count(DISTINCT alert_id)::int AS n FROM alert_changes',
    );
    expect(journaled.rows[0].n).toBe(expected.length);
  });
});
