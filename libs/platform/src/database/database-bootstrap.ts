import { join } from 'node:path';
import { Client } from 'pg';
import type { AppConfig } from '../config/app-config';
import { startEmbeddedPostgres } from './embedded-postgres';
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
  log: (message: string) => void,
): Promise<ResolvedDatabase> {
  if (config.databaseUrl) {
    const migrationsApplied = await runMigrations(config.databaseUrl);
    return { url: config.databaseUrl, embedded: false, migrationsApplied, stop: async () => {} };
  }
  const dataDir = join(config.dataDir, 'postgres');
  log(`DATABASE_URL is unset: starting the embedded PostgreSQL in ${dataDir}`);
  const cluster = await startEmbeddedPostgres({ dataDir });
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
    return { url: url.toString(), embedded: true, migrationsApplied, stop: () => cluster.stop() };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}
