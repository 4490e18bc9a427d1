import { KAFKA_CONTENT_TYPE, TOPICS } from '@cm/contracts';
import { listParkedEvents, requestParkedRetry } from '@cm/event-store';
import type { Checkpoint, StoredEvent } from '@cm/event-store';
import type { ConsumedBatch } from './report-consumer';
import { TransientError } from './report-consumer';
import { checkpointOfEvent, encodeReportMessage, STORE_TRANSACTION_HEADER } from './report-message';
import type { MessagingHarness } from './test-fixtures';
import { eventually, headersOf, harnessPerTest } from './test-fixtures';

jest.setTimeout(180_000);

describe('ReportConsumer (test broker, real PostgreSQL)', () => {
  let h: MessagingHarness;

  harnessPerTest((harness) => (h = harness));

  async function resetKafkaOffsetsToEarliest(groupId: string): Promise<void> {
    const admin = h.kafka('admin').admin();
    await admin.connect();
    try {
      await admin.resetOffsets({ groupId, topic: TOPICS.reports, earliest: true });
    } finally {
      await admin.disconnect();
    }
  }

  /** The original record of `event` on conflict.reports.v1. */
  function recordOf(event: StoredEvent) {
    return h
      .records(TOPICS.reports, h.partitionOf(event))
      .find((record) => headersOf(record)['event-id'] === event.eventId)!;
  }

  it('commits each partition’s progress in the transaction of the handler’s writes', async () => {
    await h.appendReports(100);
    const { relay } = await h.startRelay();
    await relay.waitUntilPublished(undefined, 60_000);

    // The first batch stops inside the handler, its rows written but not committed.
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held: ConsumedBatch | undefined;
    const consumer = await h.startConsumer('projector', {
      handle: async (batch) => {
        await h.record('projector', batch);
        if (!held) {
          held = batch;
          await released;
        }
      },
    });
    await eventually('a batch is inside the handler', () => held !== undefined);
    const batch = held!;
    expect(batch.progress).toEqual({ position: 0, transactionId: '0' });
    expect(batch.events.length).toBeGreaterThan(0);
    expect((await h.progressOf('projector')).get(batch.partition)).toBeUndefined();
    const outside = await h.db.pool.query(
      `SELECT 1 FROM handled WHERE event_id = ANY($1::uuid[])`,
      [batch.events.map((e) => e.eventId)],
    );
    expect(outside.rowCount).toBe(0);
    release();
    await eventually('the held batch committed', async () =>
      (await h.progressOf('projector')).has(batch.partition),
    );
    expect((await h.handledRows('projector')).map((r) => r.event_id)).toEqual(
      expect.arrayContaining(batch.events.map((e) => e.eventId)),
    );

    await eventually('the group handled everything', () => h.drained('projector'));
    const stored = await h.readOrder();
    await h.expectHandledExactlyOnce('projector', stored);
    await h.expectProgressAtEnd('projector', stored);
    // Each batch followed the one before it on its partition.
    const last = new Map<number, Checkpoint>();
    for (const { partition, progress, events } of consumer.batches) {
      expect(progress).toEqual(last.get(partition) ?? { position: 0, transactionId: '0' });
      for (const event of events) expect(h.partitionOf(event)).toBe(partition);
      last.set(partition, checkpointOfEvent(events[events.length - 1]));
    }

    // Kafka's committed offsets only say where to fetch: with them lost, a restarted member
    // fetches everything again and drops what the stored progress has, handling only the new.
    await consumer.stop();
    await resetKafkaOffsetsToEarliest('projector');
    await h.appendReports(20);
    await relay.waitUntilPublished(undefined, 60_000);
    const restarted = await h.startConsumer('projector');
    await eventually('the restarted member handled everything', () => h.drained('projector'));
    const all = await h.readOrder();
    await h.expectHandledExactlyOnce('projector', all);
    await h.expectProgressAtEnd('projector', all);
    expect(restarted.duplicates()).toBeGreaterThanOrEqual(100);
  });

  it('rolls back the writes of a failed try with its progress, and tries again', async () => {
    await h.appendReports(40);
    const { relay } = await h.startRelay();
    await relay.waitUntilPublished(undefined, 60_000);
    let failures = 0;
    await h.startConsumer('projector', {
      handle: async (batch) => {
        await h.record('projector', batch); // written, then the batch fails
        if (failures < 2) {
          failures++;
          throw new Error('the projection is broken this once');
        }
      },
    });
    await eventually('the group handled everything', () => h.drained('projector'));
    const stored = await h.readOrder();
    expect(failures).toBe(2);
    await h.expectHandledExactlyOnce('projector', stored);
    await h.expectProgressAtEnd('projector', stored);
    expect(h.records(TOPICS.reportsDlq)).toEqual([]);
  });

  it('dead-letters a message whose handling fails every time, after maxTries, and moves on', async () => {
    await h.appendReports(40);
    const { relay } = await h.startRelay();
    await relay.waitUntilPublished(undefined, 60_000);
    const first = await h.readOrder();
    const bad = first[17];
    let triesOfBad = 0;
    const failing = async (batch: ConsumedBatch) => {
      if (batch.events.some((event) => event.eventId === bad.eventId)) {
        triesOfBad++;
        throw new Error(`cannot project ${bad.eventId}`);
      }
      await h.record('projector', batch);
    };
    const consumer = await h.startConsumer('projector', { maxTries: 3, handle: failing });
    await eventually('the message was dead-lettered', () => consumer.deadLetters.length === 1);
    await h.appendReports(20); // and the partitions move on
    await relay.waitUntilPublished(undefined, 60_000);
    await eventually('the group handled everything', () => h.drained('projector'));

    const stored = await h.readOrder();
    const others = stored.filter((event) => event.eventId !== bad.eventId);
    await h.expectHandledExactlyOnce('projector', others);
    const onItsPartition = stored.filter((e) => h.partitionOf(e) === h.partitionOf(bad));
    expect(onItsPartition.indexOf(bad)).toBeLessThan(onItsPartition.length - 1);
    // Its progress moved past it, so a redelivery is a duplicate.
    await h.expectProgressAtEnd('projector', stored);
    expect(triesOfBad).toBeGreaterThanOrEqual(3);

    const original = recordOf(bad);
    const dlq = h.records(TOPICS.reportsDlq);
    expect(dlq).toHaveLength(1);
    const [letter] = dlq;
    expect(letter.key).toEqual(original.key);
    expect(letter.value).toEqual(original.value);
    const headers = headersOf(letter);
    expect(headers).toEqual({
      'event-type': bad.type,
      'event-id': bad.eventId,
      'content-type': KAFKA_CONTENT_TYPE,
      [STORE_TRANSACTION_HEADER]: bad.transactionId,
      'dlq-error': `cannot project ${bad.eventId}`,
      'dlq-error-name': 'Error',
      'dlq-attempts': '3',
      'dlq-consumer-group': 'projector',
      'dlq-source-topic': TOPICS.reports,
      'dlq-source-partition': String(original.partition),
      'dlq-source-offset': String(original.offset),
      'dlq-failed-at': expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(consumer.deadLetters).toEqual([
      { partition: original.partition, offset: String(original.offset), error: expect.any(Error) },
    ]);

    // Fetched again from the start (offsets lost), the bad message is dropped, not tried again.
    await consumer.stop();
    await resetKafkaOffsetsToEarliest('projector');
    triesOfBad = 0;
    const again = await h.startConsumer('projector', { maxTries: 3, handle: failing });
    await eventually('the restarted member handled everything', () => h.drained('projector'));
    expect(triesOfBad).toBe(0);
    expect(again.deadLetters).toEqual([]);
    expect(h.records(TOPICS.reportsDlq)).toHaveLength(1);
    await h.expectHandledExactlyOnce('projector', others);
  });

  it('parks the event it cannot handle (row, progress, DLQ copy) and serves a retry of it', async () => {
    await h.appendReports(30);
    const { relay } = await h.startRelay();
    await relay.waitUntilPublished(undefined, 60_000);
    const first = await h.readOrder();
    const bad = first[11];
    let fixed = false;
    const parkedNotices: number[] = [];
    const failing = async (batch: ConsumedBatch) => {
      if (!fixed && batch.events.some((event) => event.eventId === bad.eventId)) {
        throw Object.assign(new Error('date/time field value out of range: "0000-01-01"'), {
          code: '22008',
        });
      }
      await h.record('projector', batch);
    };
    const consumer = await h.startConsumer('projector', {
      maxTries: 3,
      handle: failing,
      retryPollMs: 100,
      onParked: ({ event }) => parkedNotices.push(event.position),
    });
    await eventually('the group handled everything', () => h.drained('projector'));
    await eventually(
      'the event was parked',
      async () => (await listParkedEvents(h.db.pool, 'projector')).length === 1,
    );
    const [row] = await listParkedEvents(h.db.pool, 'projector');
    expect(row).toMatchObject({
      subscriber: 'projector',
      position: bad.position,
      eventId: bad.eventId,
      streamId: bad.streamId,
      type: bad.type,
      partition: h.partitionOf(bad),
      attempts: 3,
      error: { message: 'date/time field value out of range: "0000-01-01"', code: '22008' },
    });
    expect(parkedNotices).toEqual([bad.position]);
    // The contract keeps the dead letter as well.
    expect(h.records(TOPICS.reportsDlq)).toHaveLength(1);
    const stored = await h.readOrder();
    await h.expectHandledExactlyOnce(
      'projector',
      stored.filter((event) => event.eventId !== bad.eventId),
    );
    await h.expectProgressAtEnd('projector', stored);

    // Fixed: a retry asked for through the table is served by the member holding the partition.
    fixed = true;
    expect(await requestParkedRetry(h.db.pool, 'projector', bad.position)).toBeInstanceOf(Date);
    await eventually(
      'the retry was served',
      async () => (await listParkedEvents(h.db.pool, 'projector')).length === 0,
    );
    const handled = await h.handledRows('projector');
    expect(handled.filter((r) => r.event_id === bad.eventId)).toHaveLength(1);
    await h.expectProgressAtEnd('projector', stored);
    await consumer.stop();
  });

  it('dead-letters a message it cannot decode at once, and handles the events around it', async () => {
    await h.appendReports(15);
    const { relay } = await h.startRelay();
    await relay.waitUntilPublished(undefined, 60_000);
    const [someEvent] = await h.readOrder();
    const valid = encodeReportMessage(someEvent, h.partitions());
    const partition = h.partitionOf(someEvent);
    const key = String(valid.key);
    const garbage = [
      { why: /not JSON/, value: 'this is not JSON', headers: { [STORE_TRANSACTION_HEADER]: '9' } },
      { why: new RegExp(STORE_TRANSACTION_HEADER), value: String(valid.value), headers: {} },
      {
        why: /eventId must be a non-empty string/,
        value: JSON.stringify({ eventId: 7 }),
        headers: { [STORE_TRANSACTION_HEADER]: '9' },
      },
    ];
    const producer = h.kafka('someone').producer();
    await producer.connect();
    let firstOffset: number;
    try {
      const [sent] = await producer.send({
        topic: TOPICS.reports,
        messages: garbage.map(({ value, headers }) => ({ key, partition, value, headers })),
      });
      firstOffset = Number(sent.baseOffset);
    } finally {
      await producer.disconnect();
    }
    await h.appendReports(15);
    await relay.waitUntilPublished(undefined, 60_000);

    let handlerCalls = 0;
    const consumer = await h.startConsumer('projector', {
      maxTries: 5,
      handle: async (batch) => {
        handlerCalls++;
        await h.record('projector', batch);
      },
    });
    await eventually('the group handled everything', () => h.drained('projector'));
    const stored = await h.readOrder();
    await h.expectHandledExactlyOnce('projector', stored);
    await h.expectProgressAtEnd('projector', stored);

    const dlq = h.records(TOPICS.reportsDlq);
    expect(dlq).toHaveLength(garbage.length);
    garbage.forEach(({ why, value }, i) => {
      expect(String(dlq[i].value)).toBe(value);
      expect(String(dlq[i].key)).toBe(key);
      expect(headersOf(dlq[i])).toMatchObject({
        'dlq-error': expect.stringMatching(why),
        'dlq-error-name': 'UndecodableMessageError',
        'dlq-attempts': '1',
        'dlq-consumer-group': 'projector',
        'dlq-source-topic': TOPICS.reports,
        'dlq-source-partition': String(partition),
        'dlq-source-offset': String(firstOffset + i),
      });
    });
    expect(consumer.deadLetters.map((entry) => (entry.error as Error).name)).toEqual(
      garbage.map(() => 'UndecodableMessageError'),
    );
    // The handler never saw them: no batch failed, so no try was spent on them.
    expect(handlerCalls).toBe(consumer.batches.length);
  });

  it('retries TransientErrors and transient database errors without dead-lettering or using up tries', async () => {
    await h.appendReports(30);
    const { relay } = await h.startRelay();
    await relay.waitUntilPublished(undefined, 60_000);
    const stored = await h.readOrder();
    const [busy, cancelled] = [stored[5], stored[22]];
    const thrown = { transient: 0, database: 0, beforeBatch: 0 };
    const consumer = await h.startConsumer('projector', {
      maxTries: 2,
      retry: { initialMs: 10, maxMs: 100 },
      beforeBatch: async () => {
        // As while a rebuild holds the read models.
        if (thrown.beforeBatch < 2) {
          thrown.beforeBatch++;
          throw new TransientError('a rebuild is running');
        }
      },
      handle: async (batch) => {
        const ids = batch.events.map((event) => event.eventId);
        if (ids.includes(busy.eventId) && thrown.transient < 4) {
          thrown.transient++;
          throw new TransientError('the read model is busy');
        }
        if (ids.includes(cancelled.eventId) && thrown.database < 4) {
          thrown.database++;
          // A real PostgreSQL failure that is not the message's: 57014 query_canceled.
          await batch.tx.query(`SET LOCAL statement_timeout = '1ms'`);
          await batch.tx.query(`SELECT pg_sleep(1)`);
        }
        await h.record('projector', batch);
      },
    });
    await eventually('the group handled everything', () => h.drained('projector'));
    expect(thrown).toEqual({ transient: 4, database: 4, beforeBatch: 2 });
    await h.expectHandledExactlyOnce('projector', stored);
    await h.expectProgressAtEnd('projector', stored);
    expect(consumer.deadLetters).toEqual([]);
    expect(h.records(TOPICS.reportsDlq)).toEqual([]);
    expect(
      h.logs.filter((entry) => entry.message.includes('waiting to retry')).length,
    ).toBeGreaterThan(0);
  });

  it('shares the partitions between two members and hands them on when one leaves', async () => {
    await h.appendReports(60);
    const { relay } = await h.startRelay();
    await relay.waitUntilPublished(undefined, 60_000);
    const a = await h.startConsumer('projector');
    const b = await h.startConsumer('projector');
    await eventually('both members hold partitions', () => {
      const [ofA, ofB] = [a.consumer.assignedPartitions(), b.consumer.assignedPartitions()];
      return (
        ofA.length > 0 &&
        ofB.length > 0 &&
        ofA.length + ofB.length === h.partitions() &&
        ofA.every((p) => !ofB.includes(p))
      );
    });
    await eventually('the group handled everything', () => h.drained('projector'));
    await a.stop();
    await eventually(
      'the other member holds every partition',
      () => b.consumer.assignedPartitions().length === h.partitions(),
    );
    await h.appendReports(30);
    await relay.waitUntilPublished(undefined, 60_000);
    await eventually('the group handled everything again', () => h.drained('projector'));
    const stored = await h.readOrder();
    await h.expectHandledExactlyOnce('projector', stored);
    await h.expectProgressAtEnd('projector', stored);
  });
});
