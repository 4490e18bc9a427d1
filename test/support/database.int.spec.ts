import { createTestDatabase, TestDatabase } from './database';

describe('test database support', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('gives each test file a migrated database of its own', async () => {
    const { rows } = await database.pool.query<{ name: string }>(
      'SELECT name FROM schema_migrations ORDER BY id',
    );
    expect(rows.map((row) => row.name)).toEqual(['EventStore1764000000000']);
  });
});
