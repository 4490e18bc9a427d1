import type { Producer } from 'kafkajs';
import { KafkaTestBroker } from './kafka-test-broker';
import { kafkaFor, waitUntil } from './kafka-test-clients';
import { RawKafkaClient } from './raw-kafka-client';
import { ApiKey } from './protocol/api-keys';
import { ErrorCode } from './protocol/error-codes';
import type { Reader } from './protocol/reader';
import { decodeRecords, splitRecordBatches } from './protocol/record-batch';
import { Writer } from './protocol/writer';

jest.setTimeout(30_000);

const TOPIC = 'conflict.alerts.v1';

/** Fetch v4 of partition 0 of TOPIC from `offset`. */
function fetchRequest(offset: number, maxWaitMs: number): Writer {
  return new Writer()
    .int32(-1)
    .int32(maxWaitMs)
    .int32(1)
    .int32(1_000_000)
    .int8(0)
    .array([TOPIC], (w, topic) =>
      w
        .string(topic)
        .array([0], (p, partition) => p.int32(partition).int64(offset).int32(1_000_000)),
    );
}

function readFetchResponse(body: Reader): {
  errorCode: number;
  highWatermark: number;
  values: string[];
} {
  body.int32(); // throttle_time_ms
  const [partition] = body
    .array((topic) => {
      topic.string();
      return topic.array((p) => {
        p.int32();
        const errorCode = p.int16();
        const highWatermark = p.int64();
        p.int64(); // last_stable_offset
        p.nullableArray((a) => [a.int64(), a.int64()]);
        const records = p.nullableBytes() ?? Buffer.alloc(0);
        const values = splitRecordBatches(records)
          .flatMap((batch) => decodeRecords(batch))
          .map((record) => String(record.value));
        return { errorCode, highWatermark, values };
      });
    })
    .flat();
  return partition;
}

describe('Kafka test broker fetch and version negotiation', () => {
  let broker: KafkaTestBroker;
  let client: RawKafkaClient;
  let producer: Producer;

  beforeEach(async () => {
    broker = await KafkaTestBroker.start();
    broker.createTopic(TOPIC, 1);
    client = await RawKafkaClient.connect(broker.brokers[0]);
    producer = kafkaFor(broker, 'alerter').producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  }, 120_000);

  afterEach(async () => {
    client.close();
    await producer.disconnect();
    await broker.stop();
    expect(broker.errors).toEqual([]);
  }, 120_000);

  it('answers a long-polling fetch as soon as a message is produced, long before its 60 s wait', async () => {
    const parked = client.request(ApiKey.Fetch, 4, fetchRequest(0, 60_000));
    await waitUntil('the fetch is parked', () => broker.parkedFetches === 1);

    await producer.send({ topic: TOPIC, messages: [{ key: 'theatre-1', value: 'escalation' }] });

    // The test's own 30 s timeout is the bound: an un-woken fetch would wait 60 s.
    const answer = readFetchResponse(await parked);
    expect(answer).toEqual({ errorCode: ErrorCode.NONE, highWatermark: 1, values: ['escalation'] });
  });

  it('answers a fetch with nothing to read once max_wait_ms is over, empty', async () => {
    const answer = readFetchResponse(await client.request(ApiKey.Fetch, 4, fetchRequest(0, 50)));

    expect(answer).toEqual({ errorCode: ErrorCode.NONE, highWatermark: 0, values: [] });
  });

  it('answers a fetch past the end of the log with OFFSET_OUT_OF_RANGE at once', async () => {
    const answer = readFetchResponse(
      await client.request(ApiKey.Fetch, 4, fetchRequest(5, 60_000)),
    );

    expect(answer.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
  });

  it('answers an ApiVersions newer than its own (librdkafka asks v3) in v0 with UNSUPPORTED_VERSION and its list', async () => {
    const body = await client.request(ApiKey.ApiVersions, 3, new Writer().int8(0));

    expect(body.int16()).toBe(ErrorCode.UNSUPPORTED_VERSION);
    const versions = body.array((v) => ({ key: v.int16(), min: v.int16(), max: v.int16() }));
    expect(versions).toContainEqual({ key: ApiKey.ApiVersions, min: 0, max: 2 });
    expect(versions).toContainEqual({ key: ApiKey.Fetch, min: 4, max: 11 });
    expect(versions).toContainEqual({ key: ApiKey.Produce, min: 0, max: 7 });
    expect(body.remaining).toBe(0);
  });

  it('closes the connection, as Kafka does, on a version it never advertised', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await expect(client.request(ApiKey.Fetch, 3, fetchRequest(0, 0))).rejects.toThrow(
        'connection closed',
      );
      expect(broker.errors.map((e) => e.message)).toEqual([
        expect.stringContaining('API key 1 v3 is not implemented'),
      ]);
      broker.errors.length = 0;
    } finally {
      warn.mockRestore();
    }
  });
});
