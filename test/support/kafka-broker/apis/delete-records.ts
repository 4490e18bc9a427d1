import { ApiKey } from '../protocol/api-keys';
import type { Reader } from '../protocol/reader';
import { Writer } from '../protocol/writer';
import { readTopics, type ApiHandler } from './api';

/**
 * DeleteRecords v0-1 (v1 as v0), kafkajs `admin.deleteTopicRecords`: moves each partition's
 * log start offset up to the given offset (-1: the high watermark), deleting the batches
 * before it (log-store.ts, deleteRecordsBefore). Above the high watermark:
 * OFFSET_OUT_OF_RANGE, as Kafka answers.
 * Request: [topics: name [partitions: partition_index offset]] timeout_ms.
 * Response: throttle_time_ms [topics: name [partitions: partition_index low_watermark
 *   error_code]].
 */
export function decodeDeleteRecordsRequest(body: Reader): {
  topics: { name: string; partitions: { index: number; offset: number }[] }[];
} {
  const topics = readTopics(body, (p) => ({ index: p.int32(), offset: p.int64() }));
  body.int32(); // timeout_ms: deletion is immediate
  return { topics };
}

export const deleteRecordsApi: ApiHandler = {
  apiKey: ApiKey.DeleteRecords,
  name: 'DeleteRecords',
  minVersion: 0,
  maxVersion: 1,
  handle: ({ body, broker }) => {
    const request = decodeDeleteRecordsRequest(body);
    return new Writer()
      .int32(0)
      .array(request.topics, (w, topic) =>
        w.string(topic.name).array(topic.partitions, (p, partition) => {
          const log = broker.log.partition(topic.name, partition.index);
          const offset = partition.offset === -1 && log ? log.highWatermark : partition.offset;
          const result = broker.log.deleteRecordsBefore(topic.name, partition.index, offset);
          p.int32(partition.index).int64(result.logStartOffset).int16(result.errorCode);
        }),
      )
      .toBuffer();
  },
};
