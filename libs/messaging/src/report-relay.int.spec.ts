import { KAFKA_CONTENT_TYPE, TOPICS } from '@cm/contracts';
import { listParkedEvents, loadCheckpoint, saveCheckpoint } from '@cm/event-store';
import type { StoredEvent } from '@cm/event-store';
import { checkpointOfEvent, decodeReportMessage, theatreOf } from './report-message';
import { REPORT_RELAY_SUBSCRIPTION } from './report-relay';
import type { MessagingHarness } from './test-fixtures';
import {
  asKafkaMessage,
  eventually,
  headersOf,
  harnessPerTest,
  sleep,
  THEATRES,
} from './test-fixtures';

jest.setTimeout(180_000);

describe('ReportRelay (test broker, real PostgreSQL)', () => {
  let h: MessagingHarness;

  harnessPerTest((harness) => (h = harness));

  it('publishes every stored event once, in read order per partition, with the contract headers', async () => {
    await h.appendReports(120);
    const { relay, published } = await h.startRelay();
    await h.appendReports(90); // while it runs
    await relay.waitUntilPublished(undefined, 60_000);

    const stored = await h.readOrder();
    expect(stored).toHaveLength(210);
    const records = h.records(TOPICS.reports);
    expect(records).toHaveLength(stored.length);
    expect(published()).toBe(stored.length);
    const last = checkpointOfEvent(stored[stored.length - 1]);
    expect(relay.checkpoint()).toEqual(last);
    expect(await loadCheckpoint(h.db.pool, REPORT_RELAY_SUBSCRIPTION)).toEqual(last);

    // Per partition, the store's read order; each theatre on the partition its key hashes to.
    const used = new Set<number>();
    for (let partition = 0; partition < h.partitions(); partition++) {
      const expected = stored.filter((event) => h.partitionOf(event) === partition);
      expect(h.idsOn(partition)).toEqual(expected.map((event) => event.eventId));
      if (expected.length > 0) used.add(partition);
    }
    expect(used.size).toBeGreaterThan(1);

    const byId = new Map(stored.map((event) => [event.eventId, event]));
    for (const record of records) {
      const decoded = decodeReportMessage(asKafkaMessage(record));
      const event = byId.get(decoded.eventId)!;
      expect(decoded).toEqual(event);
      expect(String(record.key)).toBe(theatreOf(event));
      expect(THEATRES).toContain(String(record.key));
      expect(record.partition).toBe(h.partitionOf(event));
      expect(record.timestamp).toBe(event.recordedAt.getTime());
      expect(headersOf(record)).toEqual({
        'event-type': event.type,
        'event-id': event.eventId,
        'content-type': KAFKA_CONTENT_TYPE,
        'store-transaction-id': event.transactionId,
      });
    }
    expect(h.logs.filter((entry) => entry.level === 'error')).toEqual([]);
  });

  it('parks an event the brokers refuse as too large and publishes the others', async () => {
    h.broker!.maxMessageBytes = 64 * 1024;
    await h.appendReports(20);
    const { lastPosition: big } = await h.store.append(
      'report-too-large',
      [{ type: 'CasualtyReported', data: { theatre: THEATRES[0], padding: 'x'.repeat(200_000) } }],
      { expectedVersion: 'no_stream' },
    );
    await h.appendReports(20);
    // Uncompressed: gzip would shrink 200 kB of one letter under the broker's limit.
    const { relay } = await h.startRelay('relay', { compression: 'none' });
    await relay.waitUntilPublished(undefined, 120_000);

    const parked = await listParkedEvents(h.db.pool, REPORT_RELAY_SUBSCRIPTION);
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({
      subscriber: REPORT_RELAY_SUBSCRIPTION,
      position: big,
      streamId: 'report-too-large',
      type: 'CasualtyReported',
      attempts: 3,
    });
    expect(parked[0].error.message).toMatch(/larger than the max message size/);
    const published = new Set(h.idsOn());
    const stored = await h.readOrder();
    for (const event of stored) {
      expect([event.position, published.has(event.eventId)]).toEqual([
        event.position,
        event.position !== big,
      ]);
    }
    expect(
      h.logs.some((entry) => entry.level === 'error' && entry.message.includes(`position ${big}`)),
    ).toBe(true);
  });

  it('publishes a page larger than the broker takes in parts that each pass its limit', async () => {
    // As POST /v1/reports/batch of 400 violations with 2,000-character descriptions, all in
    // one theatre: one page of the relay, one partition, about 1.1 MB of records.
    const theatre = THEATRES[0];
    await h.store.appendBatch(
      Array.from({ length: 400 }, (_, i) => ({
        streamId: `report-large-${i}`,
        events: [
          {
            type: 'ViolationReported',
            data: {
              reportId: `large-${i}`,
              theatre,
              category: 'attack-on-civilians',
              occurredAt: '2026-12-01T10:00:00.000Z',
              location: { lat: 48.5, lon: 37.9, name: 'Bakhmut' },
              description:
                `${'Shelling of a residential block, witnesses say. '.repeat(41)}#${i}`.slice(
                  0,
                  2000,
                ),
              source: { kind: 'ngo', name: 'Field monitors', url: 'https://example.org/reports' },
            },
            metadata: { schemaVersion: 1 },
          },
        ],
        expectedVersion: 'no_stream' as const,
      })),
    );
    const broker = h.broker!;
    expect(broker.maxMessageBytes).toBe(1_048_588); // Kafka's default message.max.bytes
    const { relay, published } = await h.startRelay('relay', {
      batchSize: 500,
      compression: 'none', // the worst case: the cap holds without compression's help
    });
    await relay.waitUntilPublished(undefined, 120_000);

    expect(published()).toBe(400);
    const stored = await h.readOrder();
    const partition = h.partitionOf(stored[0]);
    expect(h.idsOn(partition)).toEqual(stored.map((event) => event.eventId));
    const batches = broker.batches(TOPICS.reports, partition);
    const total = batches.reduce((sum, batch) => sum + batch.bytes, 0);
    expect(total).toBeGreaterThan(1_048_588); // one batch would have been refused
    expect(batches.length).toBeGreaterThan(1);
    for (const batch of batches) expect(batch.bytes).toBeLessThanOrEqual(1_000_000);
    // Sent in parts from the start: no send was refused, nothing parked.
    expect(h.logs.filter((entry) => entry.message.includes('kafka relay'))).toEqual([]);
    expect(await listParkedEvents(h.db.pool)).toEqual([]);
  });

  it('parks an event too large for KAFKA_MAX_MESSAGE_BYTES without sending it', async () => {
    await h.appendReports(10);
    const { lastPosition: big } = await h.store.append(
      'report-over-the-cap',
      [{ type: 'CasualtyReported', data: { theatre: THEATRES[1], padding: 'y'.repeat(100_000) } }],
      { expectedVersion: 'no_stream' },
    );
    await h.appendReports(10);
    // The broker would take it (1,048,588); the relay's own cap does not.
    const { relay } = await h.startRelay('relay', { maxMessageBytes: 64 * 1024 });
    await relay.waitUntilPublished(undefined, 120_000);

    const parked = await listParkedEvents(h.db.pool, REPORT_RELAY_SUBSCRIPTION);
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({
      position: big,
      streamId: 'report-over-the-cap',
      attempts: 3,
    });
    expect(parked[0].error.message).toMatch(/KAFKA_MAX_MESSAGE_BYTES/);
    const stored = await h.readOrder();
    expect(new Set(h.idsOn())).toEqual(
      new Set(stored.filter((event) => event.position !== big).map((event) => event.eventId)),
    );
    // Compressed with the default codec, gzip.
    const codecs = new Set(
      Array.from({ length: h.partitions() }, (_, p) => h.broker!.batches(TOPICS.reports, p))
        .flat()
        .map((batch) => batch.compression),
    );
    expect([...codecs]).toEqual(['gzip']);
  });

  it('republishes only the tail after its checkpoint was moved back, and consumers handle it once', async () => {
    const early = await h.startConsumer('early');
    await h.appendReports(60);
    const first = await h.startRelay('relay-1');
    await first.relay.waitUntilPublished(undefined, 60_000);
    await eventually('group early handled the first 60 events', () => h.drained('early'));
    const before = await h.readOrder();
    expect(before).toHaveLength(60);

    // As if the relay died after the brokers acknowledged its last batches but before its
    // checkpoint committed: the stored checkpoint is 20 events behind what is on the topic.
    await first.relay.stop();
    await saveCheckpoint(h.db.pool, REPORT_RELAY_SUBSCRIPTION, checkpointOfEvent(before[39]));
    await h.appendReports(20);
    const second = await h.startRelay('relay-2');
    await second.relay.waitUntilPublished(undefined, 60_000);

    const stored = await h.readOrder();
    expect(stored).toHaveLength(80);
    expect(stored.slice(0, 60)).toEqual(before);
    const tail = before.slice(40);
    expect(second.published()).toBe(tail.length + 20);

    // The tail, and nothing before it, is on the topic twice: after the first copy, in read order.
    expect(h.records(TOPICS.reports)).toHaveLength(80 + tail.length);
    for (let partition = 0; partition < h.partitions(); partition++) {
      const on = (events: StoredEvent[]) =>
        events.filter((event) => h.partitionOf(event) === partition).map((event) => event.eventId);
      expect(h.idsOn(partition)).toEqual([...on(before), ...on(stored.slice(40))]);
    }

    // A group that had handled the first copy drops the second.
    await eventually('group early handled everything', () => h.drained('early'));
    await h.expectHandledExactlyOnce('early', stored);
    expect(early.duplicates()).toBeGreaterThanOrEqual(tail.length);

    // A group that starts now fetches both copies, often together, and drops the second too.
    const late = await h.startConsumer('late');
    await eventually('group late handled everything', () => h.drained('late'));
    await h.expectHandledExactlyOnce('late', stored);
    expect(late.duplicates()).toBeGreaterThanOrEqual(tail.length);
  });

  it('loses nothing while the broker is away: every stored event reaches the topic and a consumer once', async () => {
    const broker = h.broker!;
    const consumer = await h.startConsumer('projector');
    const { relay, published } = await h.startRelay();
    let appending = true;
    let appended = 0;
    const appender = (async () => {
      while (appending) {
        await h.appendReports(3);
        appended += 3;
        await sleep(10);
      }
    })();
    try {
      await eventually('the relay published 60 events', () => published() >= 60);
      // The broker dies right after storing a batch, before the relay hears the answer.
      await new Promise<void>((resolve) => {
        const stopListening = broker.onAppend(({ topic }) => {
          if (topic !== TOPICS.reports) return;
          stopListening();
          void broker.goAway().then(resolve);
        });
      });
      const atOutage = appended;
      const publishedAtOutage = published();
      await eventually('appends went on during the outage', () => appended >= atOutage + 30);
      // kafkajs gives up on the batch; the relay's own loop takes over.
      await eventually('the relay reported a failed batch', () =>
        h.logs.some((entry) => entry.message.startsWith('kafka relay: publishing a batch failed')),
      );
      await sleep(3_000); // the outage goes on for some seconds more
      expect(published()).toBe(publishedAtOutage);
      await broker.comeBack();
      const atComeBack = appended;
      await eventually('appends went on after the outage', () => appended >= atComeBack + 30);
    } finally {
      appending = false;
      await appender;
    }

    await relay.waitUntilPublished(undefined, 60_000);
    const stored = await h.readOrder();
    expect(stored).toHaveLength(appended);

    // Everything stored is on the topic in read order per partition; a repeat is only ever of an
    // event already there (the batch whose answer was lost went out again).
    for (let partition = 0; partition < h.partitions(); partition++) {
      expect([...new Set(h.idsOn(partition))]).toEqual(
        stored.filter((event) => h.partitionOf(event) === partition).map((event) => event.eventId),
      );
    }
    const repeats = h.records(TOPICS.reports).length - stored.length;
    expect(repeats).toBeGreaterThan(0);

    await eventually('the consumer handled everything', () => h.drained('projector'), 120_000);
    await h.expectHandledExactlyOnce('projector', stored);
    expect(consumer.duplicates()).toBeGreaterThanOrEqual(repeats);
    // An outage is the cluster's fault: waited out, nothing parked.
    expect(await listParkedEvents(h.db.pool)).toEqual([]);
  });
});
