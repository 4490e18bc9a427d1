import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  AppProcesses,
  buildApps,
  type AppProcess,
  type BuiltApps,
} from '@cm/test-support/app-process';
import { startLoad, until } from '@cm/test-support/fault-load';

const root = resolve(__dirname, '../..');

/** The built monitor run to its end: exit code and everything it printed. */
function runToEnd(
  built: BuiltApps,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(built.dir, 'apps/monitor/src/main.js')], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        NODE_PATH: join(root, 'node_modules'),
        HOST: '127.0.0.1',
        PORT: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

function postmasterPid(dataDir: string): number {
  return Number(readFileSync(join(dataDir, 'postgres/postmaster.pid'), 'utf8').split('\n')[0]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The monitor on its embedded PostgreSQL (no DATABASE_URL), as `npm start` runs it: the
 * database killed under it, and starting and stopping as a new user would.
 */
describe('the monitor on its embedded PostgreSQL, started and stopped as users do', () => {
  let built: BuiltApps;
  let processes: AppProcesses;
  const dataDir = mkdtempSync(join(tmpdir(), 'cm-faults-'));
  const embedded = { DATA_DIR: dataDir, LOG_LEVEL: 'info' };

  beforeAll(() => {
    // As root, the embedded PostgreSQL runs as user postgres, which must enter this folder.
    chmodSync(dataDir, 0o755);
    built = buildApps();
    processes = new AppProcesses(built);
  }, 120_000);
  afterAll(async () => {
    await processes?.killAll();
    // A postmaster a failed test left behind.
    try {
      const pid = postmasterPid(dataDir);
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    } catch {
      // none
    }
    built?.remove();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('reports every configuration mistake at once, exit 78, before starting anything', async () => {
    const notADir = join(dataDir, 'a-file');
    writeFileSync(notADir, 'x');
    const { code, output } = await runToEnd(built, {
      PORT: '',
      LOG_LEVEL: 'verbose',
      DATA_DIR: notADir,
      RULES_DIR: join(dataDir, 'no-rules-here'),
      DATABASE_POOL_SIZE: 'many',
    });
    expect(code).toBe(78);
    for (const variable of ['PORT', 'LOG_LEVEL', 'DATA_DIR', 'RULES_DIR', 'DATABASE_POOL_SIZE']) {
      expect(output).toMatch(new RegExp(`^  ${variable}: `, 'm'));
    }
    expect(output).not.toMatch(/^\s+at /m); // no stack trace
    expect(output).not.toContain('embedded PostgreSQL');
  }, 90_000);

  it('ends an unreachable DATABASE_URL in one sentence and a non-zero exit', async () => {
    const { code, output } = await runToEnd(built, {
      DATABASE_URL: 'postgres://postgres:x@127.0.0.1:1/nowhere',
      LOG_LEVEL: 'warn',
    });
    expect(code).toBe(1);
    expect(output).toContain('Cannot reach the database of DATABASE_URL (127.0.0.1:1/nowhere)');
    expect(output).not.toMatch(/^\s+at /m);
  }, 90_000);

  describe('one data directory, in turn', () => {
    let first: AppProcess;

    it('refuses a second monitor on the same DATA_DIR with one sentence', async () => {
      first = await processes.start('monitor', embedded, {
        label: 'first',
        startTimeoutMs: 90_000,
      });
      const second = await runToEnd(built, { ...embedded, LOG_LEVEL: 'warn' });
      expect(second.code).toBe(1);
      expect(second.output).toContain(
        `Another monitor (pid ${first.pid}) is already using DATA_DIR ${dataDir}`,
      );
      expect(second.output).not.toContain('UnhandledPromiseRejection');
      expect(second.output).not.toMatch(/^\s+at /m);
      expect((await fetch(`${first.baseUrl}/health/ready`)).status).toBe(200);
    }, 120_000);

    it('restarts its PostgreSQL killed with kill -9 under load: 503s meanwhile, then recovery', async () => {
      const load = startLoad(() => first.baseUrl, { prefix: 'pgkill', clients: 4 });
      let liveness: number | undefined;
      try {
        await until('some acknowledged', () => load.figures.acknowledged.length >= 50, 60_000);
        const killed = postmasterPid(dataDir);
        process.kill(killed, 'SIGKILL');
        const before = load.figures.acknowledged.length;
        await until(
          'the restart',
          () => /embedded PostgreSQL was restarted/.test(first.output()),
          60_000,
        );
        // Recovering, not dead: a supervisor must not restart the process meanwhile.
        liveness = (await fetch(`${first.baseUrl}/health/live`)).status;
        await until(
          'acknowledged again',
          () => load.figures.acknowledged.length >= before + 50,
          60_000,
        );
        expect(postmasterPid(dataDir)).not.toBe(killed);
      } finally {
        await load.stop();
      }
      const figures = load.figures;
      // Every acknowledged report is readable after the recovery.
      const missing: string[] = [];
      for (const id of figures.acknowledged) {
        const response = await fetch(`${first.baseUrl}/v1/reports/${id}`);
        if (response.status !== 200) missing.push(`${id}: ${response.status}`);
      }
      console.log(
        `embedded PostgreSQL killed: ${figures.requests} requests, statuses ${JSON.stringify(figures.statuses)}, ` +
          `${figures.acknowledged.length} acknowledged, ${missing.length} lost`,
      );
      expect(missing).toEqual([]);
      expect(Object.keys(figures.statuses).filter((s) => !/^(2|4)\d\d$|^503$/.test(s))).toEqual([]);
      expect(liveness).toBe(200);
      expect((await fetch(`${first.baseUrl}/health/ready`)).status).toBe(200);
    }, 110_000);

    it('after a kill -9 of the monitor, the next start stops the PostgreSQL it left and serves', async () => {
      first.child.kill('SIGKILL');
      await first.exited();
      const orphan = postmasterPid(dataDir);
      expect(alive(orphan)).toBe(true);
      const next = await processes.start('monitor', embedded, {
        label: 'next',
        startTimeoutMs: 90_000,
      });
      expect(next.output()).toContain(
        `Stopping the embedded PostgreSQL (pid ${orphan}) left running`,
      );
      const report = await fetch(`${next.baseUrl}/v1/reports/pgkill-0`);
      expect(report.status).toBe(200);
      first = next;
    }, 120_000);

    it('stops on SIGHUP (a closed terminal) like on SIGINT: the port and the database freed', async () => {
      const pid = postmasterPid(dataDir);
      first.child.kill('SIGHUP');
      expect(await first.exited()).toBe(0);
      expect(alive(pid)).toBe(false);
      await expect(fetch(`${first.baseUrl}/health/live`)).rejects.toThrow();
      expect(existsSync(join(dataDir, 'monitor.pid'))).toBe(false);
      expect(first.output()).not.toMatch(/^\s+at /m);
    }, 60_000);

    it('Ctrl-C in a terminal (SIGINT to the whole process group, database included) prints only JSON', async () => {
      const child = spawn(process.execPath, [join(built.dir, 'apps/monitor/src/main.js')], {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          NODE_PATH: join(root, 'node_modules'),
          HOST: '127.0.0.1',
          PORT: '0',
          ...embedded,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true, // its own process group, as a terminal's foreground job
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      try {
        await until('serving', () => /is serving (http:\/\/\S+)/.test(output), 90_000);
        const baseUrl = /is serving (http:\/\/\S+)/.exec(output)![1];
        const load = startLoad(() => baseUrl, { prefix: 'ctrlc', clients: 4 });
        await until('some acknowledged', () => load.figures.acknowledged.length >= 20, 60_000);
        process.kill(-child.pid!, 'SIGINT');
        expect(await exited).toBe(0);
        await load.stop();
      } finally {
        if (child.exitCode === null && child.signalCode === null)
          process.kill(-child.pid!, 'SIGKILL');
      }
      const notJson = output
        .split('\n')
        .filter((line) => line.trim() !== '' && !line.includes('is serving'))
        .filter((line) => {
          try {
            JSON.parse(line);
            return false;
          } catch {
            return true;
          }
        });
      expect(notJson).toEqual([]);
    }, 120_000);
  });
});
