import type { PoolClient } from 'pg';
import { databasePerDescribe, type TestDatabase } from '@cm/test-support/database';
import { compareCheckpoints, START, type Checkpoint } from './checkpoint';
import { PostgresEventStore } from './postgres-event-store';

const RACE_MS = 5_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const randomInt = (max: number) => Math.floor(Math.random() * max);

/**
 * Concurrent appends commit out of position order; a reader must still see every event
 * exactly once. Writers here hold their transactions open for a few milliseconds, take
 * their transaction id before inserting, and sometimes roll back, so that commits land out
 * of position order, transaction ids out of position order, and positions leave gaps.
 */
describe('reading all while writers race', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  databasePerDescribe((created) => {
    db = created;
    store = new PostgresEventStore(db.pool);
  });

  it('hands every committed event to each reader exactly once, in (transaction, position) order', async () => {
    const deadline = Date.now() + RACE_MS;
    let writersDone = false;
    let commitSeq = 0;
    const commits: { seq: number; positions: number[] }[] = [];

    const rawWriter = async (writer: number, style: 'hold' | 'early-xid' | 'rollback') => {
      const streamId = `raw-${writer}`;
      let version = 0;
      const client: PoolClient = await db.pool.connect();
      try {
        while (Date.now() < deadline) {
          await client.query('BEGIN');
          if (style === 'early-xid') {
            await client.query('SELECT pg_current_xact_id()');
            await sleep(randomInt(8));
          }
          const count = 1 + randomInt(3);
          const { rows } = await client.query<{ position: string }>(
            `INSERT INTO events (event_id, stream_id, stream_version, type, data)
             SELECT gen_random_uuid(), $1, $2 + n, 'raced', jsonb_build_object('n', n)
             FROM generate_series(1, $3::int) AS n
             RETURNING position`,
            [streamId, version, count],
          );
          await sleep(randomInt(15));
          if (style === 'rollback' && randomInt(4) === 0) {
            await client.query('ROLLBACK');
            continue;
          }
          await client.query('COMMIT');
          version += count;
          commits.push({ seq: commitSeq++, positions: rows.map((row) => Number(row.position)) });
        }
      } finally {
        client.release();
      }
    };

    const storeWriter = async (writer: number) => {
      let n = 0;
      while (Date.now() < deadline) {
        const streamId = `store-${writer}-${n++}`;
        const result = await store.append(
          streamId,
          Array.from({ length: 1 + randomInt(3) }, () => ({ type: 'raced', data: { n } })),
          { expectedVersion: 'no_stream' },
        );
        commits.push({
          seq: commitSeq++,
          positions: [result.firstPosition, result.lastPosition],
        });
      }
    };

    const batchWriter = async (writer: number) => {
      let n = 0;
      while (Date.now() < deadline) {
        const outcomes = await store.appendBatch(
          Array.from({ length: 5 }, () => ({
            streamId: `batch-${writer}-${n++}`,
            events: [{ type: 'raced', data: { n } }],
            expectedVersion: 'no_stream' as const,
          })),
        );
        expect(outcomes.every((outcome) => outcome.status === 'created')).toBe(true);
      }
    };

    const byCheckpoint: Checkpoint[] = [];

    const byPosition: Checkpoint[] = [];
    const expectedCount = async () =>
      Number((await db.pool.query('SELECT count(*) AS n FROM events')).rows[0].n);

    const checkpointReader = async () => {
      let after = START;
      const drainUntil = () => Date.now() + 60_000;
      let giveUpAt = Infinity;
      for (;;) {
        const page = await store.readAll({ after, limit: 1 + randomInt(50) });
        for (const event of page.events) {
          byCheckpoint.push({ position: event.position, transactionId: event.transactionId });
        }
        after = page.checkpoint;
        if (page.events.length === 0) {
          if (!writersDone) continue;
          if (giveUpAt === Infinity) giveUpAt = drainUntil();
          if (byCheckpoint.length >= (await expectedCount()) || Date.now() > giveUpAt) return;
          await sleep(20);
        }
      }
    };

    const positionReader = async () => {
      let position = 0;
      let giveUpAt = Infinity;
      for (;;) {
        const page = await store.readAllAfterPosition(position, 1 + randomInt(50));
        for (const event of page.events) {
          byPosition.push({ position: event.position, transactionId: event.transactionId });
        }
        position = page.nextPosition;
        if (page.events.length === 0) {
          if (!writersDone) continue;
          if (giveUpAt === Infinity) giveUpAt = Date.now() + 60_000;
          if (byPosition.length >= (await expectedCount()) || Date.now() > giveUpAt) return;
          await sleep(20);
        }
      }
    };

    const readers = Promise.all([checkpointReader(), positionReader()]);
    await Promise.all([
      rawWriter(0, 'hold'),
      rawWriter(1, 'hold'),
      rawWriter(2, 'early-xid'),
      rawWriter(3, 'early-xid'),
      rawWriter(4, 'rollback'),
      storeWriter(5),
      storeWriter(6),
      batchWriter(7),
    ]);
    writersDone = true;
    await readers;

    const { rows } = await db.pool.query<{ position: string }>('SELECT position FROM events');
    const stored = rows.map((row) => Number(row.position)).sort((a, b) => a - b);
    for (const seen of [byCheckpoint, byPosition]) {
      const positions = seen.map((checkpoint) => checkpoint.position);
      expect(new Set(positions).size).toBe(positions.length); // nothing twice
      expect([...positions].sort((a, b) => a - b)).toEqual(stored); // nothing skipped
      for (let i = 1; i < seen.length; i++) {
        if (compareCheckpoints(seen[i - 1], seen[i]) >= 0) {
          throw new Error(`out of order at ${i}: ${JSON.stringify(seen.slice(i - 1, i + 1))}`);
        }
      }
    }

    // The race really happened: some commit landed before one with a lower position did.
    const inversions = commits.filter((commit) =>
      commits.some(
        (later) =>
          later.seq > commit.seq && Math.min(...later.positions) < Math.min(...commit.positions),
      ),
    );
    expect(stored.length).toBeGreaterThan(500);
    expect(inversions.length).toBeGreaterThan(0);
  }, 120_000);
});
