/**
 * Record batches built by kafkajs's own encoder, so the broker's decoding is checked against an
 * implementation it does not share code with.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs ships no types for these */
const { RecordBatch: encodeRecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (batch: {
    firstTimestamp: number;
    maxTimestamp: number;
    lastOffsetDelta: number;
    producerId: unknown;
    producerEpoch: number;
    firstSequence: number;
    records: unknown[];
  }) => Promise<{ buffer: Buffer }>;
};
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
}) => unknown;
const Long = require('kafkajs/src/utils/long') as { fromNumber(value: number): unknown };
/* eslint-enable @typescript-eslint/no-require-imports */

export interface BatchToEncode {
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  timestamp?: number;
  records: { key: string | null; value: string | null; headers?: Record<string, string> }[];
}

export async function kafkajsRecordBatch(batch: BatchToEncode): Promise<Buffer> {
  const timestamp = batch.timestamp ?? 1_700_000_000_000;
  const encoded = await encodeRecordBatch({
    firstTimestamp: timestamp,
    maxTimestamp: timestamp,
    lastOffsetDelta: batch.records.length - 1,
    producerId: Long.fromNumber(batch.producerId ?? -1),
    producerEpoch: batch.producerEpoch ?? 0,
    firstSequence: batch.baseSequence ?? 0,
    records: batch.records.map((record, offsetDelta) =>
      encodeRecord({
        offsetDelta,
        timestampDelta: 0,
        key: record.key === null ? null : Buffer.from(record.key),
        value: record.value === null ? null : Buffer.from(record.value),
        headers: Object.fromEntries(
          Object.entries(record.headers ?? {}).map(([k, v]) => [k, Buffer.from(v)]),
        ),
      }),
    ),
  });
  return encoded.buffer;
}
