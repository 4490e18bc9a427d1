import { reportedEventFor, reportStreamId, TOPICS } from '@cm/contracts';
import type { Checkpoint } from '@cm/event-store';
import { aCasualtyReport } from '@cm/contracts/testing';
import type { Message } from 'kafkajs';
import { checkpointOfEvent, encodeReportMessage, STORE_TRANSACTION_HEADER } from './report-message';
import type { MessagingHarness } from './test-fixtures';
import { eventually, headersOf, harnessPerTest, THEATRES } from './test-fixtures';

jest.setTimeout(180_000);

/**
 * The consumer against what the store holds: a message cannot move progress by its claims,
 * and what Kafka lost or deleted unread is handled from the store (test broker, PostgreSQL).
 */
describe('ReportConsumer checks messages against the store', () => {
  let h: MessagingHarness;

  harnessPerTest((harness) => (h = harness));

  async function produce(messages: Message[]): Promise<void> {
    const producer = h.kafka('someone').producer();
    await producer.connect();
    try {
      await producer.send({ topic: TOPICS.reports, messages });
    } finally {
      await producer.disconnect();
    }
  }

  it('dead-letters a message whose headers claim progress, moves nothing, and handles the next real report', async () => {
    await h.appendReports(20);
    const first = await h.startRelay();
    await first.relay.waitUntilPublished(undefined, 60_000);
    await first.relay.stop();
    // Stored, not yet published: the forged messages come before the genuine ones.
    await h.appendReports(20);
    const target = (await h.readOrder())[25];
    const partition = h.partitionOf(target);
    const genuine = encodeReportMessage(target, h.partitions());
    const body = JSON.parse(String(genuine.value)) as Record<string, unknown>;
    const forged: Message[] = [
      // The message: a transaction id far ahead, an unknown type.
      {
        key: genuine.key,
        partition,
        value: JSON.stringify({ ...body, type: 'SomethingUnknown', position: 999_999 }),
        headers: { ...genuine.headers, [STORE_TRANSACTION_HEADER]: '9000000000' },
      },
      // A stored event's position and transaction id, with other data.
      {
        key: genuine.key,
        partition,
        value: JSON.stringify({ ...body, data: { ...(body.data as object), killed: 'many' } }),
        headers: genuine.headers,
      },
    ];
    await produce(forged);
    const { relay } = await h.startRelay('relay-2');
    await h.appendReports(20);
    await relay.waitUntilPublished(undefined, 60_000);

    const projector = await h.startConsumer('projector');
    const alerter = await h.startConsumer('alerter');
    await eventually('both groups handled everything', () =>
      ['projector', 'alerter'].every((group) => h.drained(group)),
    );
    const stored = await h.readOrder();
    for (const group of ['projector', 'alerter']) {
      await h.expectHandledExactlyOnce(group, stored);
      await h.expectProgressAtEnd(group, stored);
    }
    // The target and later reports on that partition were handled after the forged messages.
    const after = stored
      .slice(stored.findIndex((e) => e.eventId === target.eventId))
      .filter((e) => h.partitionOf(e) === partition);
    expect(after.length).toBeGreaterThan(1);

    // Dead-lettered once per group, each copy naming its group.
    const dlq = h.records(TOPICS.reportsDlq);
    expect(dlq).toHaveLength(4);
    expect(dlq.map((r) => headersOf(r)['dlq-consumer-group']).sort()).toEqual([
      'alerter',
      'alerter',
      'projector',
      'projector',
    ]);
    for (const letter of dlq) {
      expect(headersOf(letter)).toMatchObject({
        'dlq-error-name': 'UnverifiedMessageError',
        'dlq-source-partition': String(partition),
      });
    }
    const errors = dlq.map((r) => headersOf(r)['dlq-error']);
    expect(errors).toContainEqual(expect.stringMatching(/no event at position 999999/));
    expect(errors).toContainEqual(expect.stringMatching(/data differs/));
    expect(projector.deadLetters).toHaveLength(2);
    expect(alerter.deadLetters).toHaveLength(2);
    expect(
      h.logs.filter((l) => /group projector dead-lettered/.test(l.message)).length,
    ).toBeGreaterThanOrEqual(2);
  });

  it('handles a large transaction split over many messages and chunks in store order, nothing lost', async () => {
    // One transaction of 400 events: positions cross 9/10 and 99/100, so any text ordering of
    // positions (an alias in the SELECT list) would show; the relay sends pages of 25 and the
    // consumer handles chunks of 7.
    await h.store.appendBatch(
      Array.from({ length: 400 }, (_, i) => {
        const report = aCasualtyReport({
          reportId: `big-${i}`,
          theatre: THEATRES[i % THEATRES.length],
        });
        const event = reportedEventFor(report);
        return {
          streamId: reportStreamId(report.reportId),
          events: [{ type: event.type, data: event.data, metadata: { schemaVersion: 1 } }],
          expectedVersion: 'no_stream' as const,
        };
      }),
    );
    await h.appendReports(30);
    const stored = await h.readOrder();
    expect(new Set(stored.slice(0, 400).map((e) => e.transactionId)).size).toBe(1);
    const { relay } = await h.startRelay();
    await relay.waitUntilPublished(undefined, 60_000);
    // Retention took the first part of the transaction's messages on one partition unread.
    const partition = h.partitionOf(stored[0]);
    const onIt = h.records(TOPICS.reports, partition);
    h.broker!.deleteRecordsBefore(TOPICS.reports, partition, Math.floor(onIt.length / 2));

    const consumer = await h.startConsumer('projector', { chunkSize: 7 });
    await eventually('the group handled everything', () => h.drained('projector'));
    await h.expectHandledExactlyOnce('projector', stored);
    await h.expectProgressAtEnd('projector', stored);
    // Handled in chunks, each after the one before on its partition.
    expect(consumer.batches.length).toBeGreaterThan(400 / 7);
    const last = new Map<number, Checkpoint>();
    for (const batch of consumer.batches) {
      expect(batch.events.length).toBeLessThanOrEqual(7);
      expect(batch.progress).toEqual(
        last.get(batch.partition) ?? { position: 0, transactionId: '0' },
      );
      last.set(batch.partition, checkpointOfEvent(batch.events[batch.events.length - 1]));
    }
    expect(h.records(TOPICS.reportsDlq)).toEqual([]);
  });

  it('handles from the store what retention deleted before the group read it', async () => {
    await h.appendReports(40);
    const { relay } = await h.startRelay();
    await relay.waitUntilPublished(undefined, 60_000);
    const first = await h.startConsumer('projector');
    await eventually('the group handled the first reports', () => h.drained('projector'));
    await first.stop();

    // While the group is away: more reports, then retention deletes all but the last record
    // of every partition, so the group's committed offsets fall before the log start.
    await h.appendReports(60);
    await relay.waitUntilPublished(undefined, 60_000);
    let deleted = 0;
    for (let partition = 0; partition < h.partitions(); partition++) {
      const { highWatermark } = h.broker!.offsets(TOPICS.reports, partition);
      const committed = h.broker!.committedOffset('projector', TOPICS.reports, partition) ?? 0;
      if (highWatermark - committed < 2) continue;
      h.broker!.deleteRecordsBefore(TOPICS.reports, partition, highWatermark - 1);
      deleted += highWatermark - 1 - committed;
    }
    expect(deleted).toBeGreaterThan(20);

    await h.startConsumer('projector');
    await eventually('the group caught up', () => h.drained('projector'));
    const stored = await h.readOrder();
    await h.expectHandledExactlyOnce('projector', stored);
    await h.expectProgressAtEnd('projector', stored);
    expect(
      h.logs.some((l) => /handled from the store/.test(l.message) && l.source === 'projector'),
    ).toBe(true);
  });
});
