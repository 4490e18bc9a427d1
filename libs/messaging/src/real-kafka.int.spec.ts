import { randomBytes } from 'node:crypto';
import { TOPICS } from '@cm/contracts';
import { saveCheckpoint } from '@cm/event-store';
import type { StoredEvent } from '@cm/event-store';
import { checkpointOfEvent } from './report-message';
import { REPORT_RELAY_SUBSCRIPTION } from './report-relay';
import { eventually, MessagingHarness } from './test-fixtures';

jest.setTimeout(180_000);

/**
 * The relay and a consumer group against a real Kafka cluster: KAFKA_BROKERS (comma-separated,
 * e.g. localhost:9094 of docker-compose.yml). The topics are the contract's own, shared with
 * whatever else uses the cluster, so this run has a consumer group of its own that starts at
 * the topic's end, report ids of its own, and counts only the events of its own database.
 */
const brokers = (process.env.KAFKA_BROKERS ?? '')
  .split(',')
  .map((broker) => broker.trim())
  .filter((broker) => broker !== '');
if (brokers.length === 0) {
  console.warn(
    'KAFKA_BROKERS is unset: skipping the relay and consumer round trip against a real Kafka ' +
      '(set it, e.g. KAFKA_BROKERS=localhost:9094 with docker compose up kafka, to run it)',
  );
}
const describeWithKafka = brokers.length > 0 ? describe : describe.skip;

describeWithKafka(`relay and consumer against Kafka at ${brokers.join(',')}`, () => {
  const run = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const groupId = `cm-messaging-test-${run}`;
  let h: MessagingHarness;

  beforeAll(async () => {
    h = await MessagingHarness.start({ brokers, prefix: `int-${run}` });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    const admin = h?.kafka('cm-test-admin').admin();
    if (!admin) return;
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }, 120_000);

  /** Commits the group's offsets at the topic's current end: it reads only what comes next. */
  async function startGroupAtEnd(): Promise<void> {
    const admin = h.kafka('cm-test-admin').admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(TOPICS.reports);
      await admin.setOffsets({
        groupId,
        topic: TOPICS.reports,
        partitions: ends.map(({ partition, high }) => ({ partition, offset: high })),
      });
    } finally {
      await admin.disconnect();
    }
  }

  /** The group's committed offsets reached the end of every partition of the topic. */
  async function drained(): Promise<boolean> {
    const admin = h.kafka('cm-test-admin').admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(TOPICS.reports);
      const [committed] = await admin.fetchOffsets({ groupId, topics: [TOPICS.reports] });
      const at = new Map(committed.partitions.map((p) => [p.partition, p.offset]));
      return ends.every(({ partition, high }) => at.get(partition) === high);
    } finally {
      await admin.disconnect();
    }
  }

  it('publishes every stored event, and a consumer group handles each once, the republished tail dropped', async () => {
    await startGroupAtEnd();
    let ours = new Set<string>();
    const consumer = await h.startConsumer(groupId, {
      handle: async (batch) => {
        // Only this run's events: anything else on the shared topic is passed over.
        const events = batch.events.filter((event) => ours.has(event.eventId));
        if (events.length > 0) await h.record(groupId, { ...batch, events });
      },
    });
    await h.appendReports(40);
    ours = new Set((await h.readOrder()).map((event) => event.eventId));
    const first = await h.startRelay('relay-1');
    await first.relay.waitUntilPublished(undefined, 60_000);
    expect(first.published()).toBe(40);
    await eventually('the group handled the 40 events', async () => {
      return (await h.handledRows(groupId)).length >= 40 && (await drained());
    });
    const before = await h.readOrder();
    await h.expectHandledExactlyOnce(groupId, before);

    // The relay's crash between the brokers' answer and its commit: its last 10 go out again.
    await first.relay.stop();
    await saveCheckpoint(h.db.pool, REPORT_RELAY_SUBSCRIPTION, checkpointOfEvent(before[29]));
    await h.appendReports(10);
    const stored: StoredEvent[] = await h.readOrder();
    ours = new Set(stored.map((event) => event.eventId));
    const second = await h.startRelay('relay-2');
    await second.relay.waitUntilPublished(undefined, 60_000);
    expect(second.published()).toBe(20);
    await eventually('the group handled the rest', async () => {
      return consumer.duplicates() >= 10 && (await drained());
    });
    await h.expectHandledExactlyOnce(groupId, stored);
    expect(h.logs.filter((entry) => entry.message.includes('dead-lettered'))).toEqual([]);
  });
});
