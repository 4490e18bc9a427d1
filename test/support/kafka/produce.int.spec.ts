import { Kafka, logLevel } from 'kafkajs';
import { KafkaTestBroker } from './kafka-test-broker';

describe('KafkaTestBroker: topics and idempotent produce (kafkajs)', () => {
  let broker: KafkaTestBroker;
  let kafka: Kafka;

  beforeEach(async () => {
    broker = await KafkaTestBroker.start();
    kafka = new Kafka({
      clientId: 'produce-spec',
      brokers: broker.brokers,
      logLevel: logLevel.NOTHING,
    });
  });

  afterEach(async () => {
    await broker.stop();
  });

  it('listens on a loopback port', () => {
    expect(broker.brokers).toEqual([`127.0.0.1:${broker.port}`]);
    expect(broker.port).toBeGreaterThan(0);
  });

  it('creates topics through the admin client and describes them', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await expect(
        admin.createTopics({
          topics: [{ topic: 'alerts', numPartitions: 3 }],
          waitForLeaders: true,
        }),
      ).resolves.toBe(true);
      await expect(
        admin.createTopics({ topics: [{ topic: 'alerts', numPartitions: 3 }] }),
      ).resolves.toBe(false);
      const { topics } = await admin.fetchTopicMetadata({ topics: ['alerts'] });
      expect(topics).toHaveLength(1);
      expect(topics[0].name).toBe('alerts');
      expect(topics[0].partitions.map((p) => [p.partitionId, p.leader, p.replicas, p.isr])).toEqual(
        [
          [0, 0, [0], [0]],
          [1, 0, [0], [0]],
          [2, 0, [0], [0]],
        ],
      );
      expect(await admin.listTopics()).toEqual(['alerts']);
      const offsets = await admin.fetchTopicOffsets('alerts');
      expect(offsets.map((o) => [o.partition, o.low, o.high])).toEqual([
        [0, '0', '0'],
        [1, '0', '0'],
        [2, '0', '0'],
      ]);
    } finally {
      await admin.disconnect();
    }
  });

  it('stores 200 keyed messages with headers from an idempotent producer, in order per partition', async () => {
    broker.createTopic('reports', 3);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      for (let i = 0; i < 200; i += 20) {
        await producer.send({
          topic: 'reports',
          messages: Array.from({ length: 20 }, (_, j) => ({
            key: `key-${(i + j) % 7}`,
            value: `value-${i + j}`,
            headers: { seq: String(i + j), source: 'spec' },
          })),
        });
      }
    } finally {
      await producer.disconnect();
    }

    const all = broker.records('reports');
    expect(all).toHaveLength(200);
    expect(new Set(all.map((r) => r.value))).toEqual(
      new Set(Array.from({ length: 200 }, (_, i) => `value-${i}`)),
    );
    const partitionsOfKey = new Map<string, Set<number>>();
    for (let p = 0; p < 3; p++) {
      const records = broker.records('reports', p);
      expect(records.map((r) => r.offset)).toEqual(records.map((_, i) => i));
      const seqs = records.map((r) => Number(r.headers.seq));
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      for (const r of records) {
        expect(r.key).toBe(`key-${Number(r.headers.seq) % 7}`);
        expect(r.value).toBe(`value-${r.headers.seq}`);
        expect(r.headers.source).toBe('spec');
        const seen = partitionsOfKey.get(r.key ?? '') ?? new Set<number>();
        seen.add(p);
        partitionsOfKey.set(r.key ?? '', seen);
      }
    }
    // Same key, same partition (the default partitioner hashes keys).
    for (const partitions of partitionsOfKey.values()) expect(partitions.size).toBe(1);
    expect(partitionsOfKey.size).toBe(7);

    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets('reports');
      const highs = offsets.sort((a, b) => a.partition - b.partition).map((o) => Number(o.high));
      expect(highs).toEqual([0, 1, 2].map((p) => broker.records('reports', p).length));
    } finally {
      await admin.disconnect();
    }
  });

  it('auto-creates a topic a producer writes to', async () => {
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    try {
      const [meta] = await producer.send({ topic: 'auto', messages: [{ value: 'one' }] });
      expect(meta).toMatchObject({
        topicName: 'auto',
        partition: 0,
        errorCode: 0,
        baseOffset: '0',
      });
    } finally {
      await producer.disconnect();
    }
    expect(broker.records('auto')).toEqual([{ offset: 0, key: null, value: 'one', headers: {} }]);
  });

  it('answers unknown topics with UNKNOWN_TOPIC_OR_PARTITION when auto-creation is off', async () => {
    await broker.stop();
    broker = await KafkaTestBroker.start({ autoCreateTopics: false });
    kafka = new Kafka({
      clientId: 'produce-spec',
      brokers: broker.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 1, initialRetryTime: 10 },
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await expect(admin.fetchTopicMetadata({ topics: ['missing'] })).rejects.toThrow(
        /does not host this topic-partition/,
      );
    } finally {
      await admin.disconnect();
    }
    expect(broker.topics()).toEqual([]);
  });
});
