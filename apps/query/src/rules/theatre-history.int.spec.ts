import { PostgresEventStore, START } from '@cm/event-store';
import { createTestDatabase, type TestDatabase } from '@cm/test-support/database';
import { theatreHistory } from './theatre-history';

describe('theatreHistory: one theatre’s events through a cursor, in reading order', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore(db.pool);
    // Three theatres interleaved, each event naming its theatre as report events do.
    for (let batch = 0; batch < 6; batch++) {
      await store.appendBatch(
        Array.from({ length: 30 }, (_, index) => ({
          streamId: `theatre-history-${batch}-${index}`,
          expectedVersion: 'no_stream' as const,
          events: [{ type: 'Tested', data: { theatre: `theatre-${index % 3}`, n: index } }],
        })),
      );
    }
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  }, 120_000);

  const positionsOf = async (
    theatre: string,
    throughPosition: number,
    pageSize: number,
  ): Promise<number[]> => {
    const positions: number[] = [];
    for await (const event of theatreHistory(db.pool, theatre, { throughPosition, pageSize })) {
      positions.push(Number(event.position));
    }
    return positions;
  };
  const readAllOf = async (theatre: string): Promise<number[]> => {
    const { events } = await store.readAll({ after: START, limit: 1000 });
    return events
      .filter((event) => (event.data as { theatre: string }).theatre === theatre)
      .map((event) => event.position);
  };

  it('yields exactly the theatre’s events of readAll, in its order, across fetches', async () => {
    const head = await store.headPosition();
    const expected = await readAllOf('theatre-1');
    expect(expected).toHaveLength(60);
    expect(await positionsOf('theatre-1', head, 1000)).toEqual(expected);
    expect(await positionsOf('theatre-1', head, 7)).toEqual(expected);
    expect(await positionsOf('theatre-1', head, 60)).toEqual(expected);
    expect(await positionsOf('no-such-theatre', head, 10)).toEqual([]);
  });

  it('leaves out events past the given head, and carries what the engine reads', async () => {
    const expected = await readAllOf('theatre-2');
    const through = expected[9];
    expect(await positionsOf('theatre-2', through, 4)).toEqual(expected.slice(0, 10));
    const [first] = await (async () => {
      const events = [];
      for await (const event of theatreHistory(db.pool, 'theatre-2', {
        throughPosition: through,
        pageSize: 4,
      })) {
        events.push(event);
        break;
      }
      return events;
    })();
    expect(first).toEqual({
      position: expected[0],
      recordedAt: expect.any(Date),
      type: 'Tested',
      data: { theatre: 'theatre-2', n: 2 },
    });
  });

  it('gives its connection back when the reader stops early or fails', async () => {
    const busyBefore = db.pool.totalCount - db.pool.idleCount;
    for await (const event of theatreHistory(db.pool, 'theatre-0', {
      throughPosition: Number.MAX_SAFE_INTEGER,
      pageSize: 5,
    })) {
      expect(Number(event.position)).toBeGreaterThan(0);
      break;
    }
    await expect(
      (async () => {
        for await (const event of theatreHistory(db.pool, 'theatre-0', {
          throughPosition: Number.MAX_SAFE_INTEGER,
          pageSize: 5,
        })) {
          throw new Error(`stop at ${event.position}`);
        }
      })(),
    ).rejects.toThrow(/stop at/);
    const abandoned = new AbortController();
    await expect(
      (async () => {
        for await (const event of theatreHistory(db.pool, 'theatre-0', {
          throughPosition: Number.MAX_SAFE_INTEGER,
          pageSize: 5,
          signal: abandoned.signal,
        })) {
          if (Number(event.position) > 0) abandoned.abort(new Error('gone'));
        }
      })(),
    ).rejects.toThrow('gone');
    expect(db.pool.totalCount - db.pool.idleCount).toBe(busyBefore);
  });
});
