import { PostgresEventStore } from '@cm/event-store';
import { createTestDatabase, type TestDatabase } from '@cm/test-support/database';
import { storedHistory } from './stored-history';

describe('storedHistory: the event store read page by page', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore(db.pool);
    // 25 streams of 10 events: 250 events, pages of 100 leave a short last page.
    for (let batch = 0; batch < 5; batch++) {
      await store.appendBatch(
        Array.from({ length: 5 }, (_, index) => ({
          streamId: `history-${batch}-${index}`,
          expectedVersion: 'no_stream' as const,
          events: Array.from({ length: 10 }, (_, n) => ({ type: 'Tested', data: { n } })),
        })),
      );
    }
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  }, 120_000);

  const collect = async (throughPosition: number, pageSize: number): Promise<number[]> => {
    const positions: number[] = [];
    for await (const event of storedHistory(store, { throughPosition, pageSize })) {
      positions.push(event.position);
    }
    return positions;
  };

  it('yields every event once, in reading order, across pages and an exactly full last page', async () => {
    const head = await store.headPosition();
    const { events } = await store.readAll({
      after: { position: 0, transactionId: '0' },
      limit: 1000,
    });
    const all = events.map((event) => event.position);
    expect(all).toHaveLength(250);
    expect(await collect(head, 100)).toEqual(all);
    expect(await collect(head, 50)).toEqual(all);
    expect(await collect(head, 1)).toEqual(all);
  });

  it('leaves out events past the head the read began at', async () => {
    const head = await store.headPosition();
    const { events } = await store.readAll({
      after: { position: 0, transactionId: '0' },
      limit: 1000,
    });
    const first120 = events.slice(0, 120).map((event) => event.position);
    expect(await collect(first120[119], 100)).toEqual(first120);
    expect(await collect(head, 100)).toHaveLength(250);
  });

  it('stops between pages once its signal is aborted, with the signal’s reason', async () => {
    const head = await store.headPosition();
    const abandoned = new AbortController();
    let read = 0;
    const reading = (async () => {
      for await (const event of storedHistory(store, {
        throughPosition: head,
        pageSize: 100,
        signal: abandoned.signal,
      })) {
        expect(event.position).toBeGreaterThan(0);
        if (++read === 150) abandoned.abort(new Error('gone'));
      }
    })();
    await expect(reading).rejects.toThrow('gone');
    expect(read).toBe(200);
  });
});
