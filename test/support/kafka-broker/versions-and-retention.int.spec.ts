import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { apis } from './apis';
import { KafkaTestBroker } from './kafka-test-broker';
import { brokerPerTest, kafkaFor, waitUntil } from './kafka-test-clients';
import { RawKafkaClient } from './raw-kafka-client';
import { ApiKey } from './protocol/api-keys';
import { ErrorCode } from './protocol/error-codes';
import { decodeRecords, splitRecordBatches } from './protocol/record-batch';
import { Writer } from './protocol/writer';

jest.setTimeout(60_000);

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs ships no types for these */
const kafkajsApiKeys = require('kafkajs/src/protocol/requests/apiKeys') as Record<string, number>;
const kafkajsRequests = (
  require('kafkajs/src/protocol/requests') as {
    requests: Record<string, { versions: string[] }>;
  }
).requests;
/* eslint-enable @typescript-eslint/no-require-imports */

/** The highest version of an API that kafkajs 2.2.4 implements, by API key. */
function kafkajsMaxVersion(apiKey: number): number | undefined {
  const name = Object.keys(kafkajsApiKeys).find((key) => kafkajsApiKeys[key] === apiKey);
  const versions = name ? kafkajsRequests[name]?.versions : undefined;
  return versions?.length ? Math.max(...versions.map(Number)) : undefined;
}

const TOPIC = 'conflict.reports.v1';

/** Fetch v11 of one partition from `offset`, answered at once. */
function fetchV11(topic: string, offset: number): Writer {
  return new Writer()
    .int32(-1) // replica_id
    .int32(0) // max_wait_ms
    .int32(1) // min_bytes
    .int32(1_000_000) // max_bytes
    .int8(0) // isolation_level
    .int32(0) // session_id
    .int32(-1) // session_epoch
    .array([topic], (w, name) =>
      w
        .string(name)
        .array([0], (p, partition) =>
          p.int32(partition).int32(-1).int64(offset).int64(-1).int32(1_000_000),
        ),
    )
    .array([], () => undefined) // forgotten_topics_data
    .string(''); // rack_id
}

describe('Kafka test broker: the versions kafkajs uses with Kafka 3.9/4.x', () => {
  let broker: KafkaTestBroker;

  brokerPerTest((started) => (broker = started));

  it('advertises, for every API kafkajs 2.2.4 has, at least the highest version it implements', () => {
    const behind = apis
      .map((api) => ({
        api: api.name,
        ours: api.maxVersion,
        kafkajs: kafkajsMaxVersion(api.apiKey),
      }))
      .filter((entry) => entry.kafkajs !== undefined && entry.ours < entry.kafkajs);
    expect(behind).toEqual([]);
  });

  it('serves a producer, a consumer group and an admin client at kafkajs highest versions', async () => {
    const kafka = kafkaFor(broker, 'versions');
    const admin = kafka.admin();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const consumer = kafka.consumer({
      groupId: 'projector',
      sessionTimeout: 10_000,
      heartbeatInterval: 100,
    });
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: TOPIC,
            numPartitions: 2,
            configEntries: [
              { name: 'cleanup.policy', value: 'delete' },
              { name: 'retention.ms', value: '-1' },
            ],
          },
        ],
      });
      await producer.connect();
      await producer.send({
        topic: TOPIC,
        messages: Array.from({ length: 6 }, (_, i) => ({ key: `t${i % 3}`, value: `r${i}` })),
      });
      await consumer.connect();
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      const seen: string[] = [];
      await consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(String(message.value));
        },
      });
      await waitUntil('6 messages consumed', () => seen.length === 6);
      await waitUntil(
        'the group committed both partitions',
        () =>
          (broker.committedOffset('projector', TOPIC, 0) ?? 0) +
            (broker.committedOffset('projector', TOPIC, 1) ?? 0) ===
          6,
      );
      await waitUntil('a heartbeat', () => broker.servedVersions.has('Heartbeat'));
      await consumer.disconnect(); // LeaveGroup
      await admin.fetchTopicOffsets(TOPIC); // ListOffsets
      await admin.fetchOffsets({ groupId: 'projector', topics: [TOPIC] }); // OffsetFetch
      await admin.describeGroups(['projector']);
      await admin.listGroups();
      await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: TOPIC }],
      });
      await admin.deleteTopicRecords({ topic: TOPIC, partitions: [{ partition: 0, offset: '0' }] });
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.disconnect();
    }

    const notAtMax = apis
      .filter((api) => kafkajsMaxVersion(api.apiKey) !== undefined)
      .map((api) => ({
        api: api.name,
        served: [...(broker.servedVersions.get(api.name) ?? [])].sort((a, b) => a - b),
        kafkajs: kafkajsMaxVersion(api.apiKey),
      }))
      .filter((entry) => !entry.served.includes(entry.kafkajs!));
    expect(notAtMax).toEqual([]);
  });

  it('answers Fetch v11 with the log start offset and no preferred read replica', async () => {
    broker.createTopic('v11', 1);
    const producer = kafkaFor(broker, 'writer').producer();
    await producer.connect();
    await producer.send({ topic: 'v11', messages: [{ value: 'a' }, { value: 'b' }] });
    await producer.send({ topic: 'v11', messages: [{ value: 'c' }] });
    await producer.disconnect();
    broker.deleteRecordsBefore('v11', 0, 2);
    const client = await RawKafkaClient.connect(broker.brokers[0]);
    try {
      const read = async (offset: number) => {
        const body = await client.request(ApiKey.Fetch, 11, fetchV11('v11', offset));
        body.int32(); // throttle_time_ms
        expect(body.int16()).toBe(ErrorCode.NONE);
        body.int32(); // session_id
        const [partition] = body
          .array((topic) => {
            topic.string();
            return topic.array((p) => ({
              index: p.int32(),
              errorCode: p.int16(),
              highWatermark: p.int64(),
              lastStableOffset: p.int64(),
              logStartOffset: p.int64(),
              aborted: p.nullableArray((a) => [a.int64(), a.int64()]),
              preferredReadReplica: p.int32(),
              values: splitRecordBatches(p.nullableBytes() ?? Buffer.alloc(0))
                .flatMap((batch) => decodeRecords(batch))
                .map((record) => String(record.value)),
            }));
          })
          .flat();
        expect(body.remaining).toBe(0);
        return partition;
      };

      expect(await read(2)).toEqual({
        index: 0,
        errorCode: ErrorCode.NONE,
        highWatermark: 3,
        lastStableOffset: 3,
        logStartOffset: 2,
        aborted: [],
        preferredReadReplica: -1,
        values: ['c'],
      });
      expect(await read(1)).toMatchObject({
        errorCode: ErrorCode.OFFSET_OUT_OF_RANGE,
        logStartOffset: 2,
        values: [],
      });
    } finally {
      client.close();
    }
  });
});

describe('Kafka test broker: retention, log start offset and topic configs', () => {
  let broker: KafkaTestBroker;
  let admin: Admin;

  beforeEach(async () => {
    broker = await KafkaTestBroker.start({ retentionCheckIntervalMs: 0 });
    admin = kafkaFor(broker, 'admin').admin();
    await admin.connect();
  }, 120_000);

  afterEach(async () => {
    await admin.disconnect();
    await broker.stop();
    expect(broker.errors).toEqual([]);
  }, 120_000);

  async function produce(topic: string, batches: number, perBatch = 2): Promise<void> {
    const producer = kafkaFor(broker, 'writer').producer({ idempotent: true });
    await producer.connect();
    try {
      for (let b = 0; b < batches; b++) {
        await producer.send({
          topic,
          messages: Array.from({ length: perBatch }, (_, i) => ({
            value: `m${b * perBatch + i}`,
          })),
        });
      }
    } finally {
      await producer.disconnect();
    }
  }

  it('keeps retention.bytes per partition, answers the log start offset as earliest, and a group behind it restarts there', async () => {
    await admin.createTopics({
      topics: [{ topic: TOPIC, numPartitions: 1, configEntries: [] }],
    });
    await produce(TOPIC, 2);
    // A group reads the first 4 and commits, then stops.
    const first = kafkaFor(broker, 'projector').consumer({ groupId: 'projector' });
    await first.connect();
    await first.subscribe({ topic: TOPIC, fromBeginning: true });
    const seen: string[] = [];
    await first.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    await waitUntil('4 read', () => seen.length === 4);
    await waitUntil('committed', () => broker.committedOffset('projector', TOPIC, 0) === 4);
    await first.disconnect();

    const batchBytes = broker.batches(TOPIC, 0)[0].bytes;
    broker.setTopicConfigs(TOPIC, { retentionBytes: 2 * batchBytes });
    await produce(TOPIC, 4); // offsets 4-11; retention keeps the last two batches
    expect(broker.logStartOffset(TOPIC, 0)).toBe(8);
    expect(broker.records(TOPIC, 0).map((r) => r.offset)).toEqual([8, 9, 10, 11]);
    expect(await admin.fetchTopicOffsets(TOPIC)).toEqual([
      expect.objectContaining({ partition: 0, low: '8', high: '12' }),
    ]);

    // The committed offset 4 is below the log start: Fetch answers OFFSET_OUT_OF_RANGE and
    // kafkajs resets to the earliest offset (fromBeginning), which is now 8.
    const second = kafkaFor(broker, 'projector').consumer({ groupId: 'projector' });
    const resumed: { offset: string; value: string }[] = [];
    await second.connect();
    try {
      await second.subscribe({ topic: TOPIC, fromBeginning: true });
      await second.run({
        eachMessage: async ({ message }) =>
          void resumed.push({ offset: message.offset, value: String(message.value) }),
      });
      await waitUntil('4 read after the reset', () => resumed.length >= 4);
    } finally {
      await second.disconnect();
    }
    expect(resumed.map((m) => m.offset)).toEqual(['8', '9', '10', '11']);
  });

  it('applies retention.ms given at CreateTopics and describes it', async () => {
    await admin.createTopics({
      topics: [
        {
          topic: 'timed',
          numPartitions: 1,
          configEntries: [
            { name: 'retention.ms', value: '60000' },
            { name: 'cleanup.policy', value: 'delete' },
            { name: 'segment.bytes', value: '1048576' },
          ],
        },
      ],
    });
    await produce('timed', 3);
    broker.enforceRetention(Date.now() + 30_000);
    expect(broker.logStartOffset('timed', 0)).toBe(0);
    broker.enforceRetention(Date.now() + 120_000);
    expect(broker.logStartOffset('timed', 0)).toBe(6);
    expect(await admin.fetchTopicOffsets('timed')).toEqual([
      expect.objectContaining({ partition: 0, low: '6', high: '6' }),
    ]);

    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'timed' }],
    });
    const entries = Object.fromEntries(
      described.resources[0].configEntries.map((e) => [e.configName, [e.configValue, e.isDefault]]),
    );
    expect(entries).toMatchObject({
      'retention.ms': ['60000', false],
      'retention.bytes': ['-1', true],
      'cleanup.policy': ['delete', false],
      'max.message.bytes': ['1048588', true],
      'segment.bytes': ['1048576', false],
    });
  });

  it('refuses compaction, recompression and unknown configs with INVALID_CONFIG', async () => {
    for (const configEntry of [
      { name: 'cleanup.policy', value: 'compact' },
      { name: 'compression.type', value: 'lz4' },
      { name: 'retention.ms', value: 'soon' },
      { name: 'retention.mss', value: '1' },
    ]) {
      await expect(
        admin.createTopics({
          topics: [{ topic: 'refused', numPartitions: 1, configEntries: [configEntry] }],
        }),
      ).rejects.toMatchObject({
        errors: [expect.objectContaining({ type: 'INVALID_CONFIG' })],
      });
    }
    expect(broker.topics()).not.toContain('refused');
  });

  it('deletes records before an offset for admin.deleteTopicRecords, not past the end', async () => {
    broker.createTopic('deleted', 1);
    await produce('deleted', 3);
    await admin.fetchTopicMetadata({ topics: ['deleted'] }); // kafkajs needs it loaded
    await admin.deleteTopicRecords({
      topic: 'deleted',
      partitions: [{ partition: 0, offset: '3' }],
    });
    expect(broker.logStartOffset('deleted', 0)).toBe(3);
    await expect(
      admin.deleteTopicRecords({ topic: 'deleted', partitions: [{ partition: 0, offset: '9' }] }),
    ).rejects.toThrow();
    expect(broker.logStartOffset('deleted', 0)).toBe(3);
  });
});
