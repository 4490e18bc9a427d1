import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import { ProtocolError } from '../protocol/reader';
import type { Reader } from '../protocol/reader';
import { RecordBatchError, splitRecordBatches } from '../protocol/record-batch';
import { Writer } from '../protocol/writer';
import { readTopics, type ApiHandler } from './api';

/**
 * Produce v3-7 (record batches, magic 2, any codec: stored and served as produced; v6 and v7
 * differ from v5 only in what they promise, v7 that zstd batches are understood).
 * Request: transactional_id acks timeout_ms [topics: name [partitions: index records]].
 * Response: [topics: name [partitions: index error_code base_offset log_append_time_ms
 *   log_start_offset(v5+)]] throttle_time_ms. No response at all for acks=0.
 */
interface ProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topics: { name: string; partitions: { index: number; records: Buffer | null }[] }[];
}

interface PartitionResult {
  index: number;
  errorCode: ErrorCode;
  baseOffset: number;
  /** The partition's log start offset after the append (v5+), -1 when unknown. */
  logStartOffset?: number;
}

export function decodeProduceRequest(body: Reader): ProduceRequest {
  return {
    transactionalId: body.nullableString(),
    acks: body.int16(),
    timeoutMs: body.int32(),
    topics: readTopics(body, (p) => ({ index: p.int32(), records: p.nullableBytes() })),
  };
}

export function encodeProduceResponse(
  topics: readonly { name: string; partitions: readonly PartitionResult[] }[],
  version: number,
): Buffer {
  return new Writer()
    .array(topics, (w, topic) =>
      w.string(topic.name).array(topic.partitions, (p, partition) => {
        p.int32(partition.index).int16(partition.errorCode).int64(partition.baseOffset).int64(-1);
        if (version >= 5) p.int64(partition.logStartOffset ?? -1);
      }),
    )
    .int32(0)
    .toBuffer();
}

export const produceApi: ApiHandler = {
  apiKey: ApiKey.Produce,
  name: 'Produce',
  // Advertised from v0, as Kafka 3.x does: librdkafka (2.0) compresses nothing unless the
  // broker lists Produce v0 (it reads a missing v0 as a broker too old for any codec). No
  // client sends v0-2 (message sets, magic 0/1) when v3 is there; one that did is refused.
  minVersion: 0,
  maxVersion: 7,
  handle: ({ version, body, broker }) => {
    if (version < 3) {
      throw new ProtocolError(`Produce v${version} (magic 0/1 message sets) is not implemented`);
    }
    const request = decodeProduceRequest(body);
    const refusal =
      request.transactionalId !== null
        ? ErrorCode.INVALID_REQUEST // transactions are not implemented
        : [0, 1, -1].includes(request.acks)
          ? null
          : ErrorCode.INVALID_REQUIRED_ACKS;
    const topics = request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((partition): PartitionResult => {
        if (refusal !== null) return { index: partition.index, errorCode: refusal, baseOffset: -1 };
        let batches: Buffer[];
        try {
          batches = splitRecordBatches(partition.records ?? Buffer.alloc(0));
        } catch (error) {
          if (!(error instanceof RecordBatchError)) throw error;
          batches = [];
        }
        // As Kafka: each batch as it arrives (compressed), against the topic's
        // max.message.bytes when set, else the broker's message.max.bytes.
        const limit =
          broker.log.topic(topic.name)?.configs.maxMessageBytes ?? broker.maxMessageBytes;
        const oversize = batches.find((batch) => batch.length > limit);
        if (oversize) {
          broker.tooLarge.push({
            topic: topic.name,
            partition: partition.index,
            bytes: oversize.length,
            limit,
          });
          return { index: partition.index, errorCode: ErrorCode.MESSAGE_TOO_LARGE, baseOffset: -1 };
        }
        const result = broker.log.append(topic.name, partition.index, batches);
        const logStartOffset = broker.log.partition(topic.name, partition.index)?.logStartOffset;
        return { index: partition.index, ...result, logStartOffset };
      }),
    }));
    return request.acks === 0 ? null : encodeProduceResponse(topics, version);
  },
};
