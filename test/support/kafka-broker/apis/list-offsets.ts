import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import type { Reader } from '../protocol/reader';
import { Writer } from '../protocol/writer';
import { readTopics, type ApiHandler } from './api';

/**
 * ListOffsets v0-3 (v3 as v2): -1 is the latest offset (the high watermark), -2 the earliest
 * (the log start offset, above 0 once retention or DeleteRecords removed records), any other
 * timestamp the first record at or after it.
 * Request: replica_id isolation_level(v2+) [topics: name [partitions: partition_index timestamp
 *   max_num_offsets(v0)]].
 * Response: throttle_time_ms(v2+) [topics: name [partitions: partition_index error_code
 *   old_style_offsets(v0) | timestamp offset (v1+)]].
 */
const LATEST = -1;
const EARLIEST = -2;

interface ListOffsetsRequest {
  topics: { name: string; partitions: { index: number; timestamp: number }[] }[];
}

interface PartitionOffset {
  index: number;
  errorCode: ErrorCode;
  timestamp: number;
  offset: number;
}

export function decodeListOffsetsRequest(body: Reader, version: number): ListOffsetsRequest {
  body.int32(); // replica_id
  if (version >= 2) body.int8(); // isolation_level: no transactions, so nothing differs
  const topics = readTopics(body, (p) => {
    const partition = { index: p.int32(), timestamp: p.int64() };
    if (version === 0) p.int32(); // max_num_offsets: one is all there is to say
    return partition;
  });
  return { topics };
}

export function encodeListOffsetsResponse(
  topics: readonly { name: string; partitions: readonly PartitionOffset[] }[],
  version: number,
): Buffer {
  const writer = new Writer();
  if (version >= 2) writer.int32(0);
  return writer
    .array(topics, (w, topic) =>
      w.string(topic.name).array(topic.partitions, (p, partition) => {
        p.int32(partition.index).int16(partition.errorCode);
        if (version === 0) {
          p.array(partition.offset < 0 ? [] : [partition.offset], (o, offset) => o.int64(offset));
        } else {
          p.int64(partition.timestamp).int64(partition.offset);
        }
      }),
    )
    .toBuffer();
}

export const listOffsetsApi: ApiHandler = {
  apiKey: ApiKey.ListOffsets,
  name: 'ListOffsets',
  minVersion: 0,
  maxVersion: 3,
  handle: ({ version, body, broker }) => {
    const request = decodeListOffsetsRequest(body, version);
    const topics = request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((partition): PartitionOffset => {
        const log = broker.log.partition(topic.name, partition.index);
        if (!log) {
          return {
            index: partition.index,
            errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            timestamp: -1,
            offset: -1,
          };
        }
        const offset =
          partition.timestamp === LATEST
            ? log.highWatermark
            : partition.timestamp === EARLIEST
              ? log.logStartOffset
              : log.offsetForTimestamp(partition.timestamp);
        return { index: partition.index, errorCode: ErrorCode.NONE, timestamp: -1, offset };
      }),
    }));
    return encodeListOffsetsResponse(topics, version);
  },
};
