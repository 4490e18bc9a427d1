import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestDatabase, type TestDatabase } from './database';
import { KafkaTestBroker } from './kafka-broker/kafka-test-broker';
import { TEST_KEYS } from './test-app';

const root = resolve(__dirname, '../..');

/** The apps of the distributed mode, each with its own apps/<name>/src/main.ts. */
export type AppName = 'ingest' | 'projector' | 'alerter' | 'query' | 'monitor';

/** The apps of the distributed mode, the monitor split in its processes. */
const DISTRIBUTED_APPS = ['ingest', 'projector', 'alerter', 'query'] as const;
type DistributedApp = (typeof DISTRIBUTED_APPS)[number];

/**
 * The apps compiled as `npm run build` does, into a folder of the test's own (as
 * apps/projector/src/projector-process.int.spec.ts does): a build another test or engineer
 * runs into dist/ at the same time cannot hand a half-written file to a starting process.
 */
export interface BuiltApps {
  readonly dir: string;
  remove(): void;
}

export function buildApps(): BuiltApps {
  const dir = mkdtempSync(join(tmpdir(), 'cm-apps-'));
  execFileSync(
    join(root, 'node_modules/.bin/swc'),
    ['apps', 'libs', 'infra', '-d', dir, '--config-file', '.swcrc', '--quiet'],
    { cwd: root, stdio: 'pipe' },
  );
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** API_KEYS giving the processes the keys startTestApp() gives the in-process monitor. */
export const TEST_API_KEYS = [
  `${TEST_KEYS.ingest}:ingest`,
  `${TEST_KEYS.read}:read`,
  `${TEST_KEYS.admin}:admin`,
  `${TEST_KEYS.both}:ingest+read`,
].join(',');

/** What a process of the distributed mode needs: its database, the brokers, the test keys. */
function distributedEnv(databaseUrl: string, brokers: readonly string[]): Record<string, string> {
  return { DATABASE_URL: databaseUrl, KAFKA_BROKERS: brokers.join(','), API_KEYS: TEST_API_KEYS };
}

export interface AppProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** The URL the app printed once listening. */
  readonly baseUrl: string;
  /** Everything the process wrote so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves with the signal or exit code once the process is gone. */
  exited(): Promise<NodeJS.Signals | number | null>;
}

/**
 * Starts and tracks app processes; `killAll()` (in afterAll) sends SIGKILL to any still
 * running, so a failed test leaves none behind.
 */
export class AppProcesses {
  private readonly running = new Set<ChildProcess>();
  private readonly started: AppProcess[] = [];

  constructor(private readonly built: BuiltApps) {}

  /**
   * Spawns `node <built>/apps/<app>/src/main.js` with only the variables given (plus PATH and
   * NODE_PATH, the built folder having no node_modules of its own), on port 0, and resolves
   * once it prints the URL it serves.
   */
  start(
    app: AppName,
    env: Record<string, string>,
    options: { label?: string; startTimeoutMs?: number } = {},
  ): Promise<AppProcess> {
    const name = options.label ?? app;
    const child = spawn(process.execPath, [join(this.built.dir, `apps/${app}/src/main.js`)], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        NODE_PATH: join(root, 'node_modules'),
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.running.add(child);
    let output = '';
    const gone = new Promise<NodeJS.Signals | number | null>((done) =>
      child.once('exit', (code, signal) => {
        this.running.delete(child);
        done(signal ?? code);
      }),
    );
    return new Promise((resolveStart, reject) => {
      let served = false;
      const timer = setTimeout(() => {
        reject(new Error(`${name} did not start in time:\n${output}`));
      }, options.startTimeoutMs ?? 60_000);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        const match = /is serving (http:\/\/\S+)/.exec(output);
        if (!match || served) return;
        served = true;
        clearTimeout(timer);
        const started: AppProcess = {
          name,
          child,
          pid: child.pid!,
          baseUrl: match[1],
          output: () => output,
          exited: () => gone,
        };
        this.started.push(started);
        resolveStart(started);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      void gone.then((how) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${how}) before serving:\n${output}`));
      });
    });
  }

  /** One process of each app of the distributed mode (ingest, projector, alerter, query). */
  async startDistributed(env: Record<string, string>): Promise<Record<DistributedApp, AppProcess>> {
    const [ingest, projector, alerter, query] = await Promise.all(
      DISTRIBUTED_APPS.map((app) => this.start(app, env)),
    );
    return { ingest, projector, alerter, query };
  }

  /** The last lines of every process started, for a failure message. */
  outputs(lines = 40): string {
    return this.started
      .map(
        (app) =>
          `--- ${app.name} (pid ${app.pid}${app.child.exitCode !== null || app.child.signalCode ? ', exited' : ''}):\n` +
          app.output().split('\n').slice(-lines).join('\n'),
      )
      .join('\n');
  }

  /** SIGKILL to every process still running; resolves once they are gone. */
  async killAll(): Promise<void> {
    const children = [...this.running];
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGKILL');
          }),
      ),
    );
  }
}

/** What the distributed mode's processes run on in a test; stop() tears all of it down. */
export interface DistributedTestbed {
  readonly processes: AppProcesses;
  /** A Kafka test broker in this process that creates no topic by itself. */
  readonly broker: KafkaTestBroker;
  readonly database: TestDatabase;
  /** distributedEnv() of this database and broker. */
  readonly env: Record<string, string>;
  /** Kills every process started, stops the broker, drops the database. */
  stop(): Promise<void>;
}

export async function startDistributedTestbed(built: BuiltApps): Promise<DistributedTestbed> {
  const broker = await KafkaTestBroker.start({ autoCreateTopics: false });
  let database: TestDatabase;
  try {
    database = await createTestDatabase();
  } catch (error) {
    await broker.stop();
    throw error;
  }
  const processes = new AppProcesses(built);
  return {
    processes,
    broker,
    database,
    env: distributedEnv(database.url, broker.brokers),
    stop: async () => {
      try {
        await processes.killAll();
        await broker.stop();
      } finally {
        await database.drop();
      }
    },
  };
}
