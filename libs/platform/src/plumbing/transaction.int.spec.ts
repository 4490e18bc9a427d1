import type { PoolClient } from 'pg';
import { createTestDatabase, type TestDatabase } from '@cm/test-support/database';
import { withTransaction } from './transaction';

describe('withTransaction', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
    await db.pool.query('CREATE TABLE notes (text text NOT NULL)');
  }, 120_000);

  afterAll(async () => {
    await db?.drop();
  }, 120_000);

  beforeEach(async () => {
    await db.pool.query('TRUNCATE notes');
  });

  const notes = async (): Promise<string[]> =>
    (await db.pool.query<{ text: string }>('SELECT text FROM notes ORDER BY text')).rows.map(
      (row) => row.text,
    );

  it('given work that resolves, commits it and answers its result', async () => {
    const answer = await withTransaction(db.pool, async (client) => {
      await client.query(`INSERT INTO notes VALUES ('a'), ('b')`);
      return 'done';
    });

    expect(answer).toBe('done');
    expect(await notes()).toEqual(['a', 'b']);
  });

  it('given work that throws, rolls everything back and throws the same error', async () => {
    const failure = new Error('refused');

    await expect(
      withTransaction(db.pool, async (client) => {
        await client.query(`INSERT INTO notes VALUES ('a')`);
        throw failure;
      }),
    ).rejects.toBe(failure);

    expect(await notes()).toEqual([]);
    expect(db.pool.totalCount).toBe(db.pool.idleCount); // the client went back
  });

  it('opens with the statement it is given', async () => {
    const isolation = await withTransaction(
      db.pool,
      async (client) =>
        (
          await client.query<{ level: string }>('SELECT current_setting($1) AS level', [
            'transaction_isolation',
          ])
        ).rows[0].level,
      { begin: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' },
    );

    expect(isolation).toBe('repeatable read');
  });

  it('given a connection cut mid-transaction, destroys the client instead of pooling it', async () => {
    const released: unknown[] = [];
    const pool = {
      connect: async (): Promise<PoolClient> => {
        const client = await db.pool.connect();
        client.on('error', () => undefined); // as the app's pool does for every client
        const release = client.release.bind(client);
        client.release = (destroy?: Error | boolean) => {
          released.push(destroy);
          release(destroy);
        };
        return client;
      },
    };

    await expect(
      withTransaction(pool, async (client) => {
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await db.pool.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
        await client.query('SELECT 1');
      }),
    ).rejects.toThrow();
    await withTransaction(pool, async () => undefined);

    expect(released).toEqual([expect.any(Error), false]);
  });
});
