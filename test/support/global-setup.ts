import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../libs/platform/src/database/embedded-postgres';

/**
 * Tests run against a real PostgreSQL: DATABASE_URL when given, else a throwaway embedded
 * cluster. Each test file then creates its own database on it (see database.ts).
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env.TEST_DATABASE_URL = process.env.DATABASE_URL;
    return;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'cm-test-pg-'));
  const database = await startEmbeddedPostgres({
    dataDir,
    // A throwaway cluster: durability buys nothing here and costs test time.
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
  });
  process.env.TEST_DATABASE_URL = database.url;
  (globalThis as { __embeddedDatabase?: typeof database }).__embeddedDatabase = database;
}
