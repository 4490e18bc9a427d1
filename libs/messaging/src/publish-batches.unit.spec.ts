import type { Message } from 'kafkajs';
import { kafkajsRecordBatch } from '@cm/test-support/kafka-broker/kafkajs-record-batch';
import { OversizeMessageError, recordBytes, splitIntoSends } from './publish-batches';

/** What Kafka measures against message.max.bytes: the batch as kafkajs encodes it, whole. */
async function encodedBatchBytes(messages: readonly Message[]): Promise<number> {
  const batch = await kafkajsRecordBatch({
    timestamp: Date.now(),
    records: messages.map((m) => ({
      key: String(m.key),
      value: String(m.value),
      headers: m.headers as Record<string, string>,
    })),
  });
  return batch.length;
}

function message(partition: number, valueBytes: number, i = 0): Message {
  return {
    key: `theatre-${partition}`,
    partition,
    value: JSON.stringify({ i, description: 'd'.repeat(valueBytes) }),
    headers: {
      'event-type': 'ViolationReported',
      'event-id': `id-${i}`,
      'store-transaction-id': '123',
    },
  };
}

describe('splitIntoSends', () => {
  it('keeps a page that fits in one send', () => {
    const messages = Array.from({ length: 50 }, (_, i) => message(i % 3, 500, i));
    expect(splitIntoSends(messages, 1_000_000)).toEqual([messages]);
  });

  it('splits 400 messages of 2,800 bytes on one partition (1.1 MB) into batches under the cap', async () => {
    const messages = Array.from({ length: 400 }, (_, i) => message(0, 2_700, i));
    const sends = splitIntoSends(messages, 1_000_000);
    expect(sends.length).toBeGreaterThan(1);
    expect(sends.flat()).toEqual(messages); // all of them, in order
    for (const send of sends) {
      const encoded = await encodedBatchBytes(send);
      expect(encoded).toBeLessThanOrEqual(1_000_000);
      // The estimate is an upper bound of what kafkajs encodes.
      expect(61 + send.reduce((sum, m) => sum + recordBytes(m), 0)).toBeGreaterThanOrEqual(encoded);
    }
  });

  it('caps each partition, not the send: three partitions share one send', () => {
    const messages = Array.from({ length: 30 }, (_, i) => message(i % 3, 9_000, i));
    const sends = splitIntoSends(messages, 100_000);
    expect(sends).toHaveLength(1);
    const same = Array.from({ length: 30 }, (_, i) => message(0, 9_000, i));
    expect(splitIntoSends(same, 100_000).length).toBeGreaterThan(2);
  });

  it('refuses, before any send, a message that cannot fit in a batch alone', () => {
    const messages = [message(0, 10), message(1, 200_000), message(2, 10)];
    expect(() => splitIntoSends(messages, 100_000)).toThrow(OversizeMessageError);
    expect(() => splitIntoSends(messages, 100_000)).toThrow(/KAFKA_MAX_MESSAGE_BYTES/);
  });
});
