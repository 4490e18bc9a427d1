import { DataSource } from 'typeorm';
import { Client } from 'pg';
import { migrations } from '../../../../infra/migrations';

/** Any constant works; it only has to be the same for every process that migrates. */
const MIGRATION_LOCK_KEY = 7_402_113;

/**
 * Runs the explicit migration files under infra/migrations, each in its own transaction.
 * An advisory lock makes processes that start together (distributed mode) take turns.
 */
export async function runMigrations(url: string): Promise<string[]> {
  const lock = new Client({ connectionString: url });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const dataSource = new DataSource({
      type: 'postgres',
      url,
      migrations,
      migrationsTableName: 'schema_migrations',
      synchronize: false,
      logging: false,
    });
    await dataSource.initialize();
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((migration) => migration.name);
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.end();
  }
}
