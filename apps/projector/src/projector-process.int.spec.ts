import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PROJECTOR_SUBSCRIPTION, rebuildReadModels } from '@cm/read-models';
import { createTestDatabase, type TestDatabase } from '@cm/test-support/database';
import { reportHistory, VARIED_REPORTS } from '@cm/contracts/testing';
import { appendHistory, dumpReadModels } from '@cm/read-models/testing';
import { eventually } from '@cm/test-support/eventually';

const root = resolve(__dirname, '../../..');

/**
 * The projector as its own process (apps/projector/src/main.ts, compiled as `npm run build`
 * does), killed with SIGKILL in the middle of a backlog and started again: afterwards the
 * read models equal a rebuild, so nothing was lost and nothing counted twice.
 */
describe('projector process', () => {
  let db: TestDatabase;
  let built: string;
  const children = new Set<ChildProcess>();

  beforeAll(async () => {
    built = mkdtempSync(join(tmpdir(), 'cm-projector-'));
    execFileSync(
      join(root, 'node_modules/.bin/swc'),
      ['apps/projector', 'libs', 'infra', '-d', built, '--config-file', '.swcrc', '--quiet'],
      { cwd: root },
    );
    db = await createTestDatabase();
  }, 120_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await db.drop();
    rmSync(built, { recursive: true, force: true });
  }, 120_000);

  const startProjector = (): ChildProcess => {
    const child = spawn(process.execPath, [join(built, 'apps/projector/src/main.js')], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        NODE_PATH: join(root, 'node_modules'),
        DATABASE_URL: db.url,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.add(child);
    child.on('exit', () => children.delete(child));
    return child;
  };

  const checkpointPosition = async (): Promise<number> => {
    const { rows } = await db.pool.query<{ position: string }>(
      'SELECT position FROM subscription_checkpoints WHERE name = $1',
      [PROJECTOR_SUBSCRIPTION],
    );
    return rows.length === 0 ? 0 : Number(rows[0].position);
  };

  const exited = (child: ChildProcess) =>
    new Promise<NodeJS.Signals | number | null>((done) => {
      if (child.exitCode !== null || child.signalCode !== null)
        done(child.signalCode ?? child.exitCode);
      else child.once('exit', (code, signal) => done(signal ?? code));
    });

  it('killed with SIGKILL mid-backlog and restarted, ends equal to a rebuild', async () => {
    const history = [
      ...reportHistory({ ...VARIED_REPORTS, seed: 11, events: 40_000, theatres: 6 }),
    ];
    await appendHistory(db.pool, history, 1000);
    const { rows } = await db.pool.query<{ head: string }>(
      'SELECT max(position) AS head FROM events',
    );
    const head = Number(rows[0].head);

    const killedAt: number[] = [];
    for (const share of [0.15, 0.4, 0.65]) {
      const child = startProjector();
      await eventually(
        `position ${head * share}`,
        async () => (await checkpointPosition()) >= head * share,
        180_000,
      );
      child.kill('SIGKILL');
      expect(await exited(child)).toBe('SIGKILL');
      killedAt.push(await checkpointPosition());
    }
    // Each kill came in the middle of the backlog, not after it was done.
    expect(killedAt[killedAt.length - 1]).toBeLessThan(head);
    expect(killedAt).toEqual([...killedAt].sort((a, b) => a - b));

    const last = startProjector();
    await eventually('the head', async () => (await checkpointPosition()) >= head, 180_000);
    last.kill('SIGTERM');
    expect(await exited(last)).toBe(0);
    const afterRestarts = await dumpReadModels(db.pool);

    const retracted = history.filter((event) => event.type === 'ReportRetracted').length;
    const filed = history.filter((event) => event.expectedVersion === 0).length;
    const rowsOf = (dump: Record<string, string[]>) =>
      dump.rm_deployments.length +
      dump.rm_casualties.length +
      dump.rm_ceasefire_violations.length +
      dump.rm_sanction_demands.length;
    expect(rowsOf(afterRestarts)).toBe(filed - retracted);

    await rebuildReadModels(db.pool);
    expect(await dumpReadModels(db.pool)).toEqual(afterRestarts);
  }, 300_000);
});
