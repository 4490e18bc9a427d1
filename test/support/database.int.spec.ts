import { migrations } from '../../infra/migrations';
import type { TestDatabase } from './database';
import { createTestDatabase } from './database';

describe('test database support', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  }, 120_000);
  afterAll(async () => {
    await database.drop();
  }, 120_000);

  it('gives each test file a migrated database of its own', async () => {
    const { rows } = await database.pool.query<{ name: string }>(
      'SELECT name FROM schema_migrations ORDER BY id',
    );
    // Every migration of infra/migrations, in order.
    expect(rows.map((row) => row.name)).toEqual(migrations.map((migration) => migration.name));
    expect(rows[0].name).toBe('EventStore1764000000000');
  });
});
