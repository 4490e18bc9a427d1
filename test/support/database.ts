import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import { runMigrations } from '../../libs/platform/src/database/migrate';

export interface TestDatabase {
  readonly url: string;
  readonly pool: Pool;
  drop(): Promise<void>;
}

function serverUrl(): string {
  const url = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is unset: run tests through jest (globalSetup)');
  return url;
}

export function databaseUrl(name: string): string {
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/** A fresh, migrated database of its own for one test file, dropped afterwards. */
export async function createTestDatabase(
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  const name = `cm_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = databaseUrl(name);
  if (options.migrate !== false) await runMigrations(url);
  const pool = new Pool({ connectionString: url, max: 30 });
  // pool.end() resolves before its sockets close; DROP ... WITH (FORCE) may then cut one.
  pool.on('error', () => undefined);
  return {
    url,
    pool,
    drop: async () => {
      await pool.end();
      const dropper = new Client({ connectionString: serverUrl() });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/**
 * One fresh database for the tests of the enclosing describe block: created before them and
 * handed to `use` (which may prepare it), dropped after them once `beforeDrop` ran (to stop
 * what the tests left running on it).
 */
export function databasePerDescribe(
  use: (db: TestDatabase) => unknown,
  options: { migrate?: boolean; beforeDrop?: () => Promise<void> } = {},
): void {
  let current: TestDatabase | undefined;
  beforeAll(async () => {
    current = await createTestDatabase({ migrate: options.migrate });
    await use(current);
  }, 120_000);
  afterAll(async () => {
    const db = current;
    current = undefined;
    if (!db) return;
    try {
      await options.beforeDrop?.();
    } finally {
      await db.drop();
    }
  }, 120_000);
}
