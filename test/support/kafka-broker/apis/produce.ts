import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import type { Reader } from '../protocol/reader';
import { RecordBatchError, splitRecordBatches } from '../protocol/record-batch';
import { Writer } from '../protocol/writer';
import { readTopics, type ApiHandler } from './api';

/**
 * Produce v3-5 (record batches, magic 2).
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
        if (version >= 5) p.int64(0);
      }),
    )
    .int32(0)
    .toBuffer();
}

export const produceApi: ApiHandler = {
  apiKey: ApiKey.Produce,
  name: 'Produce',
  minVersion: 3,
  maxVersion: 5,
  handle: ({ version, body, broker }) => {
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
        if (batches.some((batch) => batch.length > broker.maxMessageBytes)) {
          return { index: partition.index, errorCode: ErrorCode.MESSAGE_TOO_LARGE, baseOffset: -1 };
        }
        const result = broker.log.append(topic.name, partition.index, batches);
        return { index: partition.index, ...result };
      }),
    }));
    return request.acks === 0 ? null : encodeProduceResponse(topics, version);
  },
};
