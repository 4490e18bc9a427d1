import { join } from 'node:path';
import { Client } from 'pg';
import type { AppConfig } from '../config/app-config';
import { StartupError } from '../bootstrap/startup-error';
import { lockDataDir } from './data-dir-lock';
import { isDatabaseUnavailable } from '../plumbing';
import type { Log } from '../plumbing';
import { startEmbeddedPostgres, type SupervisionEvent } from './embedded-postgres';
import { runMigrations } from './migrate';

export const EMBEDDED_DATABASE_NAME = 'conflict_monitor';

export interface ResolvedDatabase {
  readonly url: string;
  readonly embedded: boolean;
  readonly migrationsApplied: string[];
  stop(): Promise<void>;
}

/**
 * DATABASE_URL when given; otherwise an embedded PostgreSQL whose files live under
 * DATA_DIR (default `.data/`), so a second start finds the data of the first. Either way
 * the explicit migrations run before anything else touches the database.
 */
export async function resolveDatabase(
  config: AppConfig,
  log: Log,
  options: { supervise?: (event: SupervisionEvent) => boolean | void } = {},
): Promise<ResolvedDatabase> {
  if (config.databaseUrl) {
    let migrationsApplied: string[];
    try {
      migrationsApplied = await runMigrations(config.databaseUrl);
    } catch (error) {
      // Down, unreachable, or refusing us (class 28: credentials, 3D000: no such database).
      const code = String((error as { code?: string })?.code ?? '');
      if (!isDatabaseUnavailable(error) && !/^(28|3D)/.test(code)) throw error;
      throw new StartupError(
        `Cannot reach the database of DATABASE_URL (${describeUrl(config.databaseUrl)}): ${reasonOf(error)}.`,
      );
    }
    return { url: config.databaseUrl, embedded: false, migrationsApplied, stop: async () => {} };
  }
  const release = lockDataDir(config.dataDir);
  const dataDir = join(config.dataDir, 'postgres');
  log('info', `DATABASE_URL is unset: starting the embedded PostgreSQL in ${dataDir}`);
  let cluster: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
  try {
    cluster = await startEmbeddedPostgres({
      dataDir,
      stopOrphanedPostmaster: true, // we hold DATA_DIR's lock
      ...(options.supervise ? { supervise: { onEvent: options.supervise } } : {}),
    });
  } catch (error) {
    release();
    throw error;
  }
  const stop = async (): Promise<void> => {
    try {
      await cluster.stop();
    } finally {
      release();
    }
  };
  try {
    const admin = new Client({ connectionString: cluster.url });
    await admin.connect();
    try {
      const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [
        EMBEDDED_DATABASE_NAME,
      ]);
      if (!rowCount) await admin.query(`CREATE DATABASE ${EMBEDDED_DATABASE_NAME}`);
    } finally {
      await admin.end();
    }
    const url = new URL(cluster.url);
    url.pathname = `/${EMBEDDED_DATABASE_NAME}`;
    const migrationsApplied = await runMigrations(url.toString());
    return { url: url.toString(), embedded: true, migrationsApplied, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** host:port/database, never the password. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  } catch {
    return 'unparsable URL';
  }
}

function reasonOf(error: unknown): string {
  const inner: unknown =
    error instanceof AggregateError && error.errors.length > 0 ? error.errors[0] : error;
  const code = (inner as { code?: unknown })?.code;
  const message = inner instanceof Error ? inner.message : String(inner);
  return typeof code === 'string' && !message.includes(code) ? `${code} ${message}` : message;
}
