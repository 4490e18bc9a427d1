import { CompressionTypes, type Producer } from 'kafkajs';
import { KafkaTestBroker } from './kafka-test-broker';
import { brokerPerTest, kafkaFor, waitUntil } from './kafka-test-clients';

jest.setTimeout(60_000);

describe('Kafka test broker with kafkajs admin and producer', () => {
  let broker: KafkaTestBroker;

  brokerPerTest((started) => (broker = started));

  it('creates topics through the admin client and describes them in metadata', async () => {
    const admin = kafkaFor(broker, 'admin').admin();
    await admin.connect();
    try {
      const created = await admin.createTopics({
        topics: [
          { topic: 'conflict.reports.v1', numPartitions: 3 },
          { topic: 'conflict.alerts.v1' },
        ],
      });
      const createdAgain = await admin.createTopics({
        topics: [{ topic: 'conflict.reports.v1', numPartitions: 3 }],
      });
      const metadata = await admin.fetchTopicMetadata({
        topics: ['conflict.reports.v1', 'conflict.alerts.v1'],
      });
      const cluster = await admin.describeCluster();

      expect(created).toBe(true);
      expect(createdAgain).toBe(false);
      expect((await admin.listTopics()).sort()).toEqual([
        'conflict.alerts.v1',
        'conflict.reports.v1',
      ]);
      const topic = (name: string) => metadata.topics.find((t) => t.name === name)!;
      const [reports, alerts] = [topic('conflict.reports.v1'), topic('conflict.alerts.v1')];
      expect(reports.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
      expect(alerts.partitions).toHaveLength(1);
      expect(reports.partitions.every((p) => p.leader === cluster.controller)).toBe(true);
      expect(cluster.brokers).toEqual([
        {
          nodeId: cluster.controller,
          host: '127.0.0.1',
          port: Number(broker.brokers[0].split(':')[1]),
        },
      ]);
    } finally {
      await admin.disconnect();
    }
  });

  it('refuses an unknown topic when auto-creation is off', async () => {
    const strict = await KafkaTestBroker.start({ autoCreateTopics: false });
    try {
      const admin = kafkaFor(strict, 'admin', { retry: { retries: 0 } }).admin();
      await admin.connect();
      try {
        await expect(admin.fetchTopicMetadata({ topics: ['nowhere'] })).rejects.toThrow(
          /does not host this topic-partition/,
        );
      } finally {
        await admin.disconnect();
      }
    } finally {
      await strict.stop();
    }
    expect(strict.errors).toEqual([]);
  });

  describe('an idempotent producer', () => {
    let producer: Producer;

    beforeEach(async () => {
      broker.createTopic('conflict.reports.v1', 3);
      producer = kafkaFor(broker, 'relay').producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
    }, 120_000);

    afterEach(async () => {
      await producer.disconnect();
    }, 120_000);

    it('stores every message once with its key and headers, and a consumer reads them back in order per partition', async () => {
      const sent = Array.from({ length: 60 }, (_, i) => ({
        key: `theatre-${i % 7}`,
        value: `report-${i}`,
        headers: { position: String(i), 'event-type': 'casualty' },
      }));
      for (let i = 0; i < sent.length; i += 10) {
        await producer.send({ topic: 'conflict.reports.v1', messages: sent.slice(i, i + 10) });
      }

      const consumed: {
        partition: number;
        offset: number;
        key: string;
        value: string;
        position: string;
      }[] = [];
      const consumer = kafkaFor(broker, 'reader').consumer({
        groupId: 'readers',
        maxWaitTimeInMs: 500,
      });
      await consumer.connect();
      await consumer.subscribe({ topic: 'conflict.reports.v1', fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          consumed.push({
            partition,
            offset: Number(message.offset),
            key: String(message.key),
            value: String(message.value),
            position: String(message.headers?.position),
          });
        },
      });
      try {
        await waitUntil('the consumer has read all 60 messages', () => consumed.length >= 60);
      } finally {
        await consumer.disconnect();
      }

      expect(consumed.map((m) => m.value).sort()).toEqual(sent.map((m) => m.value).sort());
      for (const message of consumed) {
        expect(message.value).toBe(`report-${message.position}`);
        expect(message.key).toBe(`theatre-${Number(message.position) % 7}`);
      }
      for (const partition of [0, 1, 2]) {
        const read = consumed.filter((m) => m.partition === partition);
        expect(read.map((m) => m.offset)).toEqual(read.map((_, i) => i));
        expect(read.map((m) => m.value)).toEqual(
          broker.records('conflict.reports.v1', partition).map((r) => String(r.value)),
        );
        // One key, one partition: per key, the send order survives.
        for (const key of new Set(read.map((m) => m.key))) {
          const positions = read.filter((m) => m.key === key).map((m) => Number(m.position));
          expect(positions).toEqual([...positions].sort((a, b) => a - b));
        }
      }
      const stored = broker.records('conflict.reports.v1');
      expect(stored).toHaveLength(60);
      expect(stored[0].headers.map((h) => h.key)).toEqual(['position', 'event-type']);
    });

    it('stores gzip-compressed batches, which records() decodes', async () => {
      await producer.send({
        topic: 'conflict.reports.v1',
        compression: CompressionTypes.GZIP,
        messages: [
          { key: 'k', value: 'compressed-1', partition: 2 },
          { key: 'k', value: 'compressed-2', partition: 2 },
        ],
      });

      expect(broker.records('conflict.reports.v1', 2).map((r) => String(r.value))).toEqual([
        'compressed-1',
        'compressed-2',
      ]);
    });

    it('answers acks=0 sends without a response and still stores them', async () => {
      const plain = kafkaFor(broker, 'fire-and-forget').producer();
      await plain.connect();
      try {
        await plain.send({
          topic: 'conflict.reports.v1',
          acks: 0,
          messages: [{ value: 'unacknowledged', partition: 1 }],
        });
        await waitUntil('the acks=0 message is stored', () => {
          return broker.records('conflict.reports.v1', 1).length === 1;
        });
      } finally {
        await plain.disconnect();
      }
    });
  });
});
