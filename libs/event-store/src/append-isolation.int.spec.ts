import { databasePerDescribe, type TestDatabase } from '@cm/test-support/database';
import { AppendCoalescer } from './append-coalescer';
import { UnstorableEventError } from './errors';
import type { BatchItem } from './event-store.types';
import { PostgresEventStore } from './postgres-event-store';

/** A report item; `name` goes into a jsonb string as it is. */
const filing = (id: string, name: string): BatchItem => ({
  streamId: `report-${id}`,
  events: [{ type: 'report.filed', data: { id, source: { name } } }],
  expectedVersion: 'no_stream',
  idempotency: { key: id, contentHash: `hash-${id}-${name.length}` },
});

describe('one unstorable item fails only itself', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  const stored = async (prefix: string): Promise<string[]> =>
    (
      await db.pool.query<{ stream_id: string }>(
        'SELECT stream_id FROM events WHERE stream_id LIKE $1 ORDER BY stream_id',
        [`report-${prefix}%`],
      )
    ).rows.map((row) => row.stream_id);

  databasePerDescribe((created) => {
    db = created;
    store = new PostgresEventStore(db.pool);
  });

  it('PostgreSQL refuses a NUL in a jsonb string (the premise of these tests)', async () => {
    await expect(
      store.append('report-premise', filing('premise', 'a\u0000b').events, {
        expectedVersion: 'no_stream',
      }),
    ).rejects.toBeInstanceOf(UnstorableEventError);
    expect(await stored('premise')).toEqual([]);
  });

  it('concurrent single appends sharing transactions: the 100 good ones are stored', async () => {
    // Two transactions in flight at most, so the 101 appends made in one tick queue up and
    // share transactions: without isolation the bad one takes its whole group down.
    const coalescer = new AppendCoalescer(store, { maxBatch: 500, maxInFlight: 2 });
    const items = Array.from({ length: 101 }, (_, n) =>
      n === 50
        ? filing('group-bad', 'a\u0000b')
        : filing(`group-${String(n).padStart(3, '0')}`, 'ok'),
    );
    const outcomes = await Promise.allSettled(items.map((item) => coalescer.append(item)));

    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    const statuses = outcomes.map((outcome) =>
      outcome.status === 'fulfilled' ? outcome.value.status : 'thrown',
    );
    expect(statuses.filter((status) => status === 'created')).toHaveLength(100);
    expect(statuses[50]).toBe('rejected');
    const bad = outcomes[50];
    expect(
      bad.status === 'fulfilled' && bad.value.status === 'rejected' && bad.value.error,
    ).toEqual(expect.objectContaining({ code: 'EVENT_STORE.UNSTORABLE', sqlState: '22P05' }));
    const streams = await stored('group-');
    expect(streams).toHaveLength(100);
    expect(streams).not.toContain('report-group-bad');
  });

  it('a batch with an unpaired surrogate and a NUL: only those two items are rejected', async () => {
    const items = Array.from({ length: 40 }, (_, n) =>
      filing(`batch-${String(n).padStart(2, '0')}`, 'ok'),
    );
    items[7] = filing('batch-bad-surrogate', 'x\ud800y');
    items[31] = filing('batch-bad-nul', '\u0000');
    const outcomes = await store.appendBatch(items);

    expect(outcomes.map((outcome) => outcome.status)).toEqual(
      items.map((_, n) => (n === 7 || n === 31 ? 'rejected' : 'created')),
    );
    expect(await stored('batch-')).toHaveLength(38);
    // Stored in the batch's order: positions rise with the item index.
    const positions = outcomes.flatMap((outcome) =>
      outcome.status === 'created' ? [outcome.result.firstPosition] : [],
    );
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('a batch with data JSON has no text for, and multi-event items: only that item is rejected', async () => {
    const twoEvents: BatchItem = {
      ...filing('shape-two', 'ok'),
      events: [
        { type: 'report.filed', data: { n: 1 }, metadata: { by: 'a"b\\c' } },
        { type: 'report.noted', data: null },
      ],
    };
    const outcomes = await store.appendBatch([
      filing('shape-first', 'ok'),
      { ...filing('shape-function', 'ok'), events: [{ type: 'x', data: () => 1 }] },
      twoEvents,
      filing('shape-last', 'ok'),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'created',
      'rejected',
      'created',
      'created',
    ]);
    expect(outcomes[1]!.status === 'rejected' && outcomes[1]!.error).toEqual(
      expect.objectContaining({ sqlState: '23502' }),
    );
    const two = outcomes[2]!;
    expect(two.status === 'created' && two.result.lastPosition - two.result.firstPosition).toBe(1);
    const events = await store.readStream('report-shape-two');
    expect(events.map((event) => [event.type, event.data, event.metadata])).toEqual([
      ['report.filed', { n: 1 }, { by: 'a"b\\c' }],
      ['report.noted', null, {}],
    ]);
  });

  it('a same-key item after a rejected one shares its fate; versions stay in order', async () => {
    const bad = filing('same-bad', 'a\u0000b');
    const outcomes = await store.appendBatch([
      bad,
      bad,
      { ...filing('same-next', 'ok'), expectedVersion: 'no_stream' },
      { ...filing('same-next', 'ok'), idempotency: undefined, expectedVersion: 1 },
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'rejected',
      'rejected',
      'created',
      'created',
    ]);
    expect(await stored('same-')).toEqual(['report-same-next', 'report-same-next']);
  });
});
