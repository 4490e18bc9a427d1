import { registerCompressionCodecs } from '../../../libs/messaging/src/codecs';
import type { KafkaTestBroker } from './kafka-test-broker';
import { brokerPerTest, kafkaFor, waitUntil } from './kafka-test-clients';
import { hasKcat, itWithKcat, kcat, kcatConsume, kcatProduce } from './kcat';

jest.setTimeout(60_000);

describe('Kafka test broker read by kcat (librdkafka)', () => {
  let broker: KafkaTestBroker;

  brokerPerTest((started) => (broker = started));

  itWithKcat('sees every message a kafkajs idempotent producer wrote', async () => {
    if (!hasKcat)
      throw new Error('kcat does not run from PATH; CI must install it (apt-get install -y kcat)');
    broker.createTopic('conflict.alerts.v1', 3);
    const producer = kafkaFor(broker, 'alerter').producer({
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const sent = Array.from({ length: 30 }, (_, i) => ({
      key: `theatre-${i % 4}`,
      value: `alert-${i}`,
    }));
    try {
      for (let i = 0; i < sent.length; i += 5) {
        await producer.send({ topic: 'conflict.alerts.v1', messages: sent.slice(i, i + 5) });
      }
    } finally {
      await producer.disconnect();
    }

    const lines = await kcatConsume({
      broker: broker.brokers[0],
      topic: 'conflict.alerts.v1',
      offset: 'beginning',
      format: '%k %s',
      config: { 'api.version.request': 'true' },
    });
    expect(lines.sort()).toEqual(sent.map((m) => `${m.key} ${m.value}`).sort());
  });
});

describe('Kafka test broker written to by kcat (librdkafka) with compression', () => {
  let broker: KafkaTestBroker;

  brokerPerTest((started) => (broker = started));

  for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    itWithKcat(`stores a ${codec} batch as produced and serves it to kafkajs`, async () => {
      if (!hasKcat) throw new Error('kcat does not run from PATH');
      broker.createTopic('conflict.reports.v1', 2);
      const values = Array.from({ length: 20 }, (_, i) => `{"n":${i},"text":"${'v'.repeat(300)}"}`);
      await kcatProduce({
        broker: broker.brokers[0],
        topic: 'conflict.reports.v1',
        partition: 1,
        codec,
        key: 'sudan',
        headers: { 'event-type': 'Test' },
        values,
      });

      // Stored with librdkafka's codec in its attributes, not re-encoded.
      const batches = broker.batches('conflict.reports.v1', 1);
      expect(batches.map((batch) => batch.compression)).toContain(codec);
      expect(broker.records('conflict.reports.v1', 1).map((r) => String(r.value))).toEqual(values);

      // kafkajs (with the project's codecs) reads what librdkafka compressed.
      registerCompressionCodecs();
      const consumer = kafkaFor(broker, 'reader').consumer({ groupId: `read-${codec}` });
      const seen: string[] = [];
      await consumer.connect();
      try {
        await consumer.subscribe({ topic: 'conflict.reports.v1', fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ message }) => {
            seen.push(String(message.value));
          },
        });
        await waitUntil(`${values.length} messages read`, () => seen.length >= values.length);
      } finally {
        await consumer.disconnect();
      }
      expect(seen).toEqual(values);
    });
  }

  itWithKcat(
    'refuses a batch over the topic max.message.bytes with MESSAGE_TOO_LARGE',
    async () => {
      if (!hasKcat) throw new Error('kcat does not run from PATH');
      broker.createTopic('small', 1, { maxMessageBytes: 2_000 });
      broker.createTopic('large', 1);
      const values = ['x'.repeat(5_000)];
      await expect(
        kcatProduce({
          broker: broker.brokers[0],
          topic: 'small',
          partition: 0,
          codec: 'none',
          key: 'k',
          values,
        }),
      ).rejects.toThrow(/too large|MSG_SIZE_TOO_LARGE|Broker: Message size too large/i);
      expect(broker.batches('small', 0)).toEqual([]);
      await kcatProduce({
        broker: broker.brokers[0],
        topic: 'large',
        partition: 0,
        codec: 'none',
        key: 'k',
        values,
      });
      expect(broker.batches('large', 0)).toHaveLength(1);
    },
  );
});

describe('Kafka test broker after retention, read by kcat (librdkafka)', () => {
  let broker: KafkaTestBroker;

  brokerPerTest((started) => (broker = started), { retentionCheckIntervalMs: 0 });

  const consume = (offset: string, config?: Record<string, string>): Promise<string[]> =>
    kcatConsume({
      broker: broker.brokers[0],
      topic: 'conflict.reports.v1',
      partition: 0,
      offset,
      format: '%o %s',
      config,
    });

  itWithKcat(
    'starts "beginning" at the log start offset and resets an offset below it',
    async () => {
      if (!hasKcat) throw new Error('kcat does not run from PATH');
      broker.createTopic('conflict.reports.v1', 1);
      for (let i = 0; i < 4; i++) {
        await kcatProduce({
          broker: broker.brokers[0],
          topic: 'conflict.reports.v1',
          partition: 0,
          codec: 'lz4',
          key: 'sudan',
          values: [`r${2 * i}`, `r${2 * i + 1}`],
        });
      }
      const batches = broker.batches('conflict.reports.v1', 0);
      expect(batches).toHaveLength(4);
      // retention.bytes of two batches: the first two go, the log starts at offset 4.
      broker.setTopicConfigs('conflict.reports.v1', {
        retentionBytes: batches[2].bytes + batches[3].bytes,
      });
      expect(broker.logStartOffset('conflict.reports.v1', 0)).toBe(4);

      const expected = ['4 r4', '5 r5', '6 r6', '7 r7'];
      expect(await consume('beginning')).toEqual(expected);
      // Offset 1 is gone: OFFSET_OUT_OF_RANGE, and librdkafka resets to the earliest it has.
      expect(await consume('1', { 'auto.offset.reset': 'earliest' })).toEqual(expected);
    },
  );
});

describe('Kafka test broker serving kcat (librdkafka) as a consumer group member', () => {
  let broker: KafkaTestBroker;

  brokerPerTest((started) => (broker = started));

  itWithKcat(
    'lets `kcat -G` join (MEMBER_ID_REQUIRED, JoinGroup v5), consume and commit',
    async () => {
      if (!hasKcat) throw new Error('kcat does not run from PATH');
      broker.createTopic('conflict.alerts.v1', 2);
      const producer = kafkaFor(broker, 'alerter').producer();
      await producer.connect();
      try {
        await producer.send({
          topic: 'conflict.alerts.v1',
          messages: ['a', 'b', 'c', 'd'].map((value, i) => ({ value, partition: i % 2 })),
        });
      } finally {
        await producer.disconnect();
      }

      const { stdout } = await kcat([
        '-b',
        broker.brokers[0],
        '-G',
        'dashboards',
        'conflict.alerts.v1',
        '-e',
        '-q',
        '-X',
        'auto.offset.reset=earliest',
        '-f',
        '%s\n',
      ]);

      expect(stdout.split('\n').filter(Boolean).sort()).toEqual(['a', 'b', 'c', 'd']);
      expect(broker.servedVersions.get('JoinGroup')).toEqual(new Set([5]));
      expect(broker.servedVersions.get('SyncGroup')).toEqual(new Set([3]));
      expect(broker.committedOffset('dashboards', 'conflict.alerts.v1', 0)).toBe(2);
      expect(broker.committedOffset('dashboards', 'conflict.alerts.v1', 1)).toBe(2);
    },
  );
});
