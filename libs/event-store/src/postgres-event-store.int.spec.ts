import { databasePerDescribe, type TestDatabase } from '@cm/test-support/database';
import { START } from './checkpoint';
import { ConcurrencyError, IdempotencyConflictError, UnknownPositionError } from './errors';
import type { NewEvent } from './event-store.types';
import { PostgresEventStore } from './postgres-event-store';

const reported = (n = 1): NewEvent => ({ type: 'report.filed', data: { n }, metadata: { v: 1 } });

describe('PostgresEventStore', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let streamNo = 0;
  const newStream = () => `report-${++streamNo}`;
  const eventCount = async (streamId: string) =>
    Number(
      (await db.pool.query('SELECT count(*) AS n FROM events WHERE stream_id = $1', [streamId]))
        .rows[0].n,
    );

  databasePerDescribe((created) => {
    db = created;
    store = new PostgresEventStore(db.pool);
  });

  describe('append and readStream', () => {
    it('appends to a new stream and reads it back', async () => {
      const streamId = newStream();
      const result = await store.append(
        streamId,
        [{ ...reported(1), eventId: '0190f3a0-0000-7000-8000-000000000001' }, reported(2)],
        { expectedVersion: 'no_stream' },
      );
      expect(result).toMatchObject({ streamId, nextExpectedVersion: 2, duplicate: false });
      expect(result.lastPosition).toBeGreaterThan(result.firstPosition);

      const events = await store.readStream(streamId);
      expect(events).toHaveLength(2);
      expect(events[0]).toMatchObject({
        position: result.firstPosition,
        eventId: '0190f3a0-0000-7000-8000-000000000001',
        streamId,
        streamVersion: 1,
        type: 'report.filed',
        data: { n: 1 },
        metadata: { v: 1 },
      });
      expect(events[1]).toMatchObject({ position: result.lastPosition, streamVersion: 2 });
      expect(events[0].recordedAt).toBeInstanceOf(Date);
      expect(events[0].transactionId).toMatch(/^\d+$/);
      expect(await store.readStream(streamId, { fromVersion: 2 })).toEqual([events[1]]);
    });

    it('reads an absent stream as []', async () => {
      expect(await store.readStream('report-never')).toEqual([]);
    });

    it("'no_stream' fails once the stream has an event", async () => {
      const streamId = newStream();
      await store.append(streamId, [reported()], { expectedVersion: 'no_stream' });
      const attempt = store.append(streamId, [reported()], { expectedVersion: 'no_stream' });
      await expect(attempt).rejects.toBeInstanceOf(ConcurrencyError);
      await expect(attempt).rejects.toMatchObject({
        code: 'EVENT_STORE.CONCURRENCY',
        streamId,
        expected: 'no_stream',
        actual: 1,
      });
    });

    it('a number must be exactly the current version, neither behind nor ahead', async () => {
      const streamId = newStream();
      await store.append(streamId, [reported()], { expectedVersion: 'no_stream' });
      expect(
        (await store.append(streamId, [reported()], { expectedVersion: 1 })).nextExpectedVersion,
      ).toBe(2);
      await expect(
        store.append(streamId, [reported()], { expectedVersion: 1 }),
      ).rejects.toMatchObject({ expected: 1, actual: 2 });
      await expect(
        store.append(streamId, [reported()], { expectedVersion: 5 }),
      ).rejects.toMatchObject({ expected: 5, actual: 2 });
      await expect(
        store.append(newStream(), [reported()], { expectedVersion: 1 }),
      ).rejects.toMatchObject({ actual: 0 });
      expect(await eventCount(streamId)).toBe(2);
    });

    it("'any' appends at whatever version the stream is", async () => {
      const streamId = newStream();
      expect(
        (await store.append(streamId, [reported()], { expectedVersion: 'any' }))
          .nextExpectedVersion,
      ).toBe(1);
      expect(
        (await store.append(streamId, [reported(), reported()], { expectedVersion: 'any' }))
          .nextExpectedVersion,
      ).toBe(3);
    });

    it('rejects an append without events', async () => {
      await expect(store.append(newStream(), [], { expectedVersion: 'any' })).rejects.toThrow(
        RangeError,
      );
    });

    it('lets exactly one of 20 concurrent appends with the same expected version win', async () => {
      const streamId = newStream();
      await store.append(streamId, [reported()], { expectedVersion: 'no_stream' });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          store.append(streamId, [reported(i)], { expectedVersion: 1 }),
        ),
      );
      const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      const lost = outcomes.flatMap((outcome) =>
        outcome.status === 'rejected' ? [outcome.reason] : [],
      );
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(19);
      for (const reason of lost) {
        expect(reason).toBeInstanceOf(ConcurrencyError);
        expect(reason).toMatchObject({ expected: 1, actual: 2 });
      }
      expect(await eventCount(streamId)).toBe(2);
    });

    it("lets all of 20 concurrent 'any' appends to one stream through, in sequence", async () => {
      const streamId = newStream();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.append(streamId, [reported(i)], { expectedVersion: 'any' }),
        ),
      );
      expect(results.map((r) => r.nextExpectedVersion).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
    });
  });

  describe('idempotency', () => {
    it('answers the same key and content with the original result and writes nothing', async () => {
      const streamId = newStream();
      const idempotency = { key: `${streamId}-key`, contentHash: 'h1' };
      const first = await store.append(streamId, [reported()], {
        expectedVersion: 'no_stream',
        idempotency,
      });
      const again = await store.append(streamId, [reported()], {
        expectedVersion: 'no_stream',
        idempotency,
      });
      expect(first.duplicate).toBe(false);
      expect(again).toEqual({ ...first, duplicate: true });
      expect(await eventCount(streamId)).toBe(1);
    });

    it('rejects the same key with other content and writes nothing', async () => {
      const streamId = newStream();
      await store.append(streamId, [reported()], {
        expectedVersion: 'no_stream',
        idempotency: { key: `${streamId}-key`, contentHash: 'h1' },
      });
      const attempt = store.append(streamId, [reported(2)], {
        expectedVersion: 1,
        idempotency: { key: `${streamId}-key`, contentHash: 'h2' },
      });
      await expect(attempt).rejects.toBeInstanceOf(IdempotencyConflictError);
      await expect(attempt).rejects.toMatchObject({
        code: 'EVENT_STORE.IDEMPOTENCY_CONFLICT',
        key: `${streamId}-key`,
      });
      expect(await eventCount(streamId)).toBe(1);
    });

    it('gives concurrent identical appends one answer, one of them created', async () => {
      const streamId = newStream();
      const idempotency = { key: `${streamId}-key`, contentHash: 'same' };
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          store.append(streamId, [reported()], { expectedVersion: 'no_stream', idempotency }),
        ),
      );
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      const { duplicate: _d, ...original } = results.find((r) => !r.duplicate)!;
      for (const result of results) expect(result).toMatchObject(original);
      expect(await eventCount(streamId)).toBe(1);
    });

    it('lets one of concurrent appends with the same key but other content win', async () => {
      const streamId = newStream();
      const outcomes = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          store.append(streamId, [reported(i)], {
            expectedVersion: 'no_stream',
            idempotency: { key: `${streamId}-key`, contentHash: `h${i}` },
          }),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') {
          expect(outcome.reason).toBeInstanceOf(IdempotencyConflictError);
        }
      }
      expect(await eventCount(streamId)).toBe(1);
    });
  });

  describe('appendBatch', () => {
    it('writes the valid items in one transaction and reports the others', async () => {
      const existing = newStream();
      const original = await store.append(existing, [reported()], {
        expectedVersion: 'no_stream',
        idempotency: { key: existing, contentHash: 'h' },
      });
      const [a, b, c] = [newStream(), newStream(), newStream()];
      const outcomes = await store.appendBatch([
        {
          streamId: a,
          events: [reported()],
          expectedVersion: 'no_stream',
          idempotency: { key: a, contentHash: 'h' },
        },
        {
          streamId: existing,
          events: [reported()],
          expectedVersion: 'no_stream',
          idempotency: { key: existing, contentHash: 'h' },
        },
        {
          streamId: existing,
          events: [reported()],
          expectedVersion: 1,
          idempotency: { key: existing, contentHash: 'other' },
        },
        { streamId: existing, events: [reported()], expectedVersion: 'no_stream' },
        {
          streamId: a,
          events: [reported()],
          expectedVersion: 'no_stream',
          idempotency: { key: a, contentHash: 'h' },
        },
        {
          streamId: b,
          events: [reported()],
          expectedVersion: 'no_stream',
          idempotency: { key: a, contentHash: 'x' },
        },
        { streamId: c, events: [reported(), reported()], expectedVersion: 'any' },
        { streamId: c, events: [reported()], expectedVersion: 2 },
      ]);
      expect(outcomes.map((o) => o.status)).toEqual([
        'created',
        'duplicate',
        'conflict',
        'conflict',
        'duplicate',
        'conflict',
        'created',
        'created',
      ]);
      const errorOf = (i: number) => (outcomes[i] as { error: Error }).error;
      expect(errorOf(2)).toBeInstanceOf(IdempotencyConflictError);
      expect(errorOf(3)).toBeInstanceOf(ConcurrencyError);
      expect(errorOf(3)).toMatchObject({ streamId: existing, actual: 1 });
      expect(errorOf(5)).toMatchObject({ key: a });
      const resultOf = (i: number) => (outcomes[i] as { result: unknown }).result;
      expect(resultOf(1)).toEqual({
        streamId: original.streamId,
        nextExpectedVersion: original.nextExpectedVersion,
        firstPosition: original.firstPosition,
        lastPosition: original.lastPosition,
      });
      expect(resultOf(4)).toEqual(resultOf(0));
      expect(resultOf(6)).toMatchObject({ streamId: c, nextExpectedVersion: 2 });
      expect(resultOf(7)).toMatchObject({ streamId: c, nextExpectedVersion: 3 });

      const { rows } = await db.pool.query<{ stream_id: string; transaction_id: string }>(
        'SELECT stream_id, transaction_id::text FROM events WHERE stream_id = ANY($1) ORDER BY position',
        [[a, b, c]],
      );
      expect(rows.map((row) => row.stream_id)).toEqual([a, c, c, c]);
      expect(new Set(rows.map((row) => row.transaction_id)).size).toBe(1);
      expect(await eventCount(existing)).toBe(1);
      const storedKey = await db.pool.query('SELECT result FROM idempotency_keys WHERE key = $1', [
        a,
      ]);
      expect(storedKey.rows[0].result).toEqual(resultOf(0));
      expect(await store.readStream(c)).toHaveLength(3);
    });

    it('rejects only the item PostgreSQL refuses; the others are written', async () => {
      const [a, b] = [newStream(), newStream()];
      const outcomes = await store.appendBatch([
        { streamId: a, events: [reported()], expectedVersion: 'no_stream' },
        // PostgreSQL's jsonb cannot hold \u0000: this item fails the statement it is in.
        {
          streamId: b,
          events: [{ type: 'bad', data: { text: '\u0000' } }],
          expectedVersion: 'no_stream',
        },
      ]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['created', 'rejected']);
      expect(await eventCount(a)).toBe(1);
      expect(await eventCount(b)).toBe(0);
    });

    it('gives concurrent identical batches one write per item', async () => {
      const streams = Array.from({ length: 50 }, () => newStream());
      const batch = () =>
        store.appendBatch(
          streams.map((streamId) => ({
            streamId,
            events: [reported()],
            expectedVersion: 'no_stream' as const,
            idempotency: { key: streamId, contentHash: 'h' },
          })),
        );
      const runs = await Promise.all([batch(), batch(), batch(), batch()]);
      streams.forEach((_, i) => {
        const statuses = runs.map((run) => run[i].status).sort();
        expect(statuses).toEqual(['created', 'duplicate', 'duplicate', 'duplicate']);
        const results = runs.map((run) => (run[i] as { result: unknown }).result);
        for (const result of results) expect(result).toEqual(results[0]);
      });
      const { rows } = await db.pool.query(
        'SELECT count(*)::int AS n FROM events WHERE stream_id = ANY($1)',
        [streams],
      );
      expect(rows[0].n).toBe(50);
    });

    it('returns [] for an empty batch', async () => {
      expect(await store.appendBatch([])).toEqual([]);
    });
  });

  describe('reading all', () => {
    it('pages through everything in order, by checkpoint and by position', async () => {
      for (let i = 0; i < 5; i++) {
        await store.append(newStream(), [reported(), reported()], { expectedVersion: 'no_stream' });
      }
      const { rows } = await db.pool.query<{ position: string }>(
        'SELECT position FROM events ORDER BY transaction_id, position',
      );
      const all = rows.map((row) => Number(row.position));

      const byCheckpoint: number[] = [];
      let checkpoint = START;
      for (;;) {
        const page = await store.readAll({ after: checkpoint, limit: 7 });
        if (page.events.length === 0) break;
        byCheckpoint.push(...page.events.map((event) => event.position));
        checkpoint = page.checkpoint;
      }
      expect(byCheckpoint).toEqual(all);

      const byPosition: number[] = [];
      let position = 0;
      for (;;) {
        const page = await store.readAllAfterPosition(position, 7);
        if (page.events.length === 0) {
          expect(page.nextPosition).toBe(position);
          break;
        }
        byPosition.push(...page.events.map((event) => event.position));
        position = page.nextPosition;
      }
      expect(byPosition).toEqual(all);
      expect(await store.headPosition()).toBe(Math.max(...all));
    });

    it('rejects a position that is no event', async () => {
      const head = await store.headPosition();
      await expect(store.readAllAfterPosition(head + 1000, 10)).rejects.toBeInstanceOf(
        UnknownPositionError,
      );
      await expect(store.readAllAfterPosition(-1, 10)).rejects.toMatchObject({
        code: 'EVENT_STORE.UNKNOWN_POSITION',
      });
      // A rolled-back insert leaves a gap in positions: that position is no event either.
      const client = await db.pool.connect();
      let gap: number;
      try {
        await client.query('BEGIN');
        const inserted = await client.query(
          `INSERT INTO events (event_id, stream_id, stream_version, type, data)
           VALUES (gen_random_uuid(), 'gap', 1, 'x', '{}') RETURNING position`,
        );
        gap = Number(inserted.rows[0].position);
        await client.query('ROLLBACK');
      } finally {
        client.release();
      }
      await expect(store.readAllAfterPosition(gap, 10)).rejects.toBeInstanceOf(
        UnknownPositionError,
      );
    });

    it('stops before a transaction in flight and returns what it held back once it commits', async () => {
      const before = await store.readAll({ after: START, limit: 100_000 });
      const client = await db.pool.connect();
      try {
        await client.query('BEGIN');
        const open = await client.query(
          `INSERT INTO events (event_id, stream_id, stream_version, type, data)
           VALUES (gen_random_uuid(), $1, 1, 'x', '{}') RETURNING position`,
          [newStream()],
        );
        const later = await store.append(newStream(), [reported()], {
          expectedVersion: 'no_stream',
        });
        expect(later.firstPosition).toBeGreaterThan(Number(open.rows[0].position));

        const whileOpen = await store.readAll({ after: before.checkpoint, limit: 100 });
        expect(whileOpen.events).toEqual([]);
        expect(whileOpen.checkpoint).toEqual(before.checkpoint);
        const byPosition = await store.readAllAfterPosition(
          before.events[before.events.length - 1].position,
          100,
        );
        expect(byPosition.events).toEqual([]);

        await client.query('COMMIT');
        const after = await store.readAll({ after: before.checkpoint, limit: 100 });
        expect(after.events.map((event) => event.position)).toEqual([
          Number(open.rows[0].position),
          later.firstPosition,
        ]);
      } finally {
        client.release();
      }
    });
  });
});
