import { databasePerDescribe, type TestDatabase } from '@cm/test-support/database';
import { compareCheckpoints, START, type Checkpoint } from './checkpoint';
import { StoreEventSource, type EventBatch } from './event-source';
import { PostgresEventStore } from './postgres-event-store';
import { loadCheckpoint } from './subscription';

describe('StoreEventSource (the embedded mode of EventSource)', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let streamNo = 0;
  const sources: StoreEventSource[] = [];

  const append = async (count: number): Promise<number> => {
    const events = Array.from({ length: count }, (_, n) => ({ type: 'report.filed', data: { n } }));
    return (await store.append(`s-${++streamNo}`, events, { expectedVersion: 'no_stream' }))
      .lastPosition;
  };

  const source = (name: string, batchSize = 4): StoreEventSource => {
    const created = new StoreEventSource({ pool: db.pool, name, batchSize, pollIntervalMs: 50 });
    sources.push(created);
    return created;
  };

  databasePerDescribe((created) => {
    db = created;
    store = new PostgresEventStore(db.pool);
  });

  afterEach(async () => {
    await Promise.all(sources.splice(0).map((running) => running.stop()));
  }, 120_000);

  it('hands each batch with the stored progress it follows, for the whole store', async () => {
    const head = await append(10);
    const batches: { progress: Checkpoint; stored: Checkpoint; partition: number | null }[] = [];
    const events = source('contract');

    await events.start({
      handle: async ({ progress, partition, tx }: EventBatch) => {
        batches.push({ progress, partition, stored: await loadCheckpoint(tx, 'contract') });
      },
    });
    await events.waitUntilCaughtUp(head, 60_000);

    expect(batches.length).toBeGreaterThanOrEqual(3);
    expect(batches[0].progress).toEqual(START);
    for (const batch of batches) {
      expect(batch.partition).toBeNull();
      expect(compareCheckpoints(batch.progress, batch.stored)).toBe(0);
    }
    expect(events.partitionOf()).toBeNull();
  });

  it('commits the handler writes and the progress together, or neither', async () => {
    await db.pool.query('CREATE TABLE handled (position bigint PRIMARY KEY)');
    const head = await append(3);
    let failOnce = true;
    const events = source('together', 100);

    await events.start({
      handle: async ({ events: batch, tx }) => {
        await tx.query('INSERT INTO handled SELECT unnest($1::bigint[])', [
          batch.map((event) => event.position),
        ]);
        if (failOnce) {
          failOnce = false;
          throw Object.assign(new Error('lock timeout'), { code: '55P03' }); // transient
        }
      },
    });
    await events.waitUntilCaughtUp(head, 60_000);

    const { rows } = await db.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM handled');
    const all = await db.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM events');
    expect(Number(rows[0].n)).toBe(Number(all.rows[0].n)); // the failed try left nothing
  });

  it('counts as lag the events after its stored progress, not the positions', async () => {
    const events = source('lag');
    await events.start({ handle: async () => undefined });
    await events.waitUntilCaughtUp(undefined, 60_000);
    await events.stop();
    expect(await events.lag()).toBe(0);

    // Positions used up as a rolled-back append would: 5 events behind, over 1005 positions.
    await db.pool.query(`SELECT nextval(pg_get_serial_sequence('events', 'position'))
                         FROM generate_series(1, 1000)`);
    await append(5);

    expect(await events.lag()).toBe(5);
  });
});
