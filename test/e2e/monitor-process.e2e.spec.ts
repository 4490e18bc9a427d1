import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { aDeploymentReport } from '@cm/contracts/testing';
import { httpClient } from '@cm/test-support';

const root = resolve(__dirname, '../..');
const main = join(root, 'dist/apps/monitor/src/main.js');

interface Running {
  child: ChildProcess;
  baseUrl: string;
  output: () => string;
}

/** Starts the built monitor as `npm start` would, on its embedded database, and waits for its URL. */
function startMonitor(dataDir: string): Promise<Running> {
  return new Promise((resolveStart, reject) => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'warn',
    };
    delete env.DATABASE_URL;
    delete env.API_KEYS;
    delete env.HOST;
    const child = spawn(process.execPath, [main], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`monitor did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /serving (http:\/\/[^\s]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveStart({ child, baseUrl: match[1], output: () => output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`monitor exited with ${code}:\n${output}`));
    });
  });
}

function stopWith(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolveExit) => {
    child.removeAllListeners('exit');
    child.on('exit', (code) => resolveExit(code));
    child.kill(signal);
  });
}

describe('the monitor process on its embedded default (as `npm start` runs it)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cm-monitor-'));

  beforeAll(() => {
    // As root, the embedded PostgreSQL runs as user postgres, which must enter this folder.
    chmodSync(dataDir, 0o755);
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'pipe' });
  }, 120_000);
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('starts an embedded PostgreSQL, serves the API, stops cleanly on SIGINT and finds its data again', async () => {
    const first = await startMonitor(dataDir);
    const report = aDeploymentReport({ reportId: 'process-restart-1' });
    const filed = await httpClient(first.baseUrl)('POST', '/v1/reports', report);
    expect(filed.status).toBe(201);
    expect(first.output()).toContain('API_KEYS is unset');
    expect(await stopWith(first.child, 'SIGINT')).toBe(0);

    const second = await startMonitor(dataDir);
    try {
      const read = await httpClient(second.baseUrl)('GET', '/v1/reports/process-restart-1');
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ reportId: 'process-restart-1', version: 1 });
      expect(read.body.report.details).toMatchObject(report.details);
      const again = await httpClient(second.baseUrl)('POST', '/v1/reports', report);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(filed.body);
    } finally {
      expect(await stopWith(second.child, 'SIGTERM')).toBe(0);
    }
  }, 180_000);

  it('refuses to start with a wrong variable, naming it', () => {
    let failure: { status?: number; stderr?: Buffer } = {};
    try {
      execFileSync(process.execPath, [main], {
        cwd: root,
        env: { ...process.env, DATA_DIR: dataDir, PORT: 'not-a-port' },
        stdio: 'pipe',
      });
    } catch (error) {
      failure = error as typeof failure;
    }
    expect(failure.status).toBe(78);
    expect(failure.stderr?.toString()).toContain('PORT');
  });
});
