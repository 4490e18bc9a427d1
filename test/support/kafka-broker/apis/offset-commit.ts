import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import type { Reader } from '../protocol/reader';
import { Writer } from '../protocol/writer';
import { readTopics, type ApiHandler } from './api';

/**
 * OffsetCommit v0-5 (v4 as v3; v5 drops retention_time_ms). Offset retention is not
 * implemented: committed offsets stay while the broker does.
 * Request: group_id generation_id(v1+) member_id(v1+) retention_time_ms(v2-4) [topics: name
 *   [partitions: partition_index committed_offset commit_timestamp(v1) committed_metadata]].
 * Response: throttle_time_ms(v3+) [topics: name [partitions: partition_index error_code]].
 */
interface OffsetCommitRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  topics: {
    name: string;
    partitions: { index: number; offset: number; metadata: string | null }[];
  }[];
}

type CommitResult = { name: string; partitions: { index: number; errorCode: ErrorCode }[] }[];

export function decodeOffsetCommitRequest(body: Reader, version: number): OffsetCommitRequest {
  const groupId = body.string();
  const generationId = version >= 1 ? body.int32() : -1;
  const memberId = version >= 1 ? body.string() : '';
  if (version >= 2 && version <= 4) body.int64(); // retention_time_ms
  const topics = readTopics(body, (p) => {
    const index = p.int32();
    const offset = p.int64();
    if (version === 1) p.int64(); // commit_timestamp
    return { index, offset, metadata: p.nullableString() };
  });
  return { groupId, generationId, memberId, topics };
}

export function encodeOffsetCommitResponse(topics: CommitResult, version: number): Buffer {
  const writer = new Writer();
  if (version >= 3) writer.int32(0);
  return writer
    .array(topics, (w, topic) =>
      w
        .string(topic.name)
        .array(topic.partitions, (p, partition) =>
          p.int32(partition.index).int16(partition.errorCode),
        ),
    )
    .toBuffer();
}

export const offsetCommitApi: ApiHandler = {
  apiKey: ApiKey.OffsetCommit,
  name: 'OffsetCommit',
  minVersion: 0,
  maxVersion: 5,
  handle: ({ version, body, broker }) => {
    const request = decodeOffsetCommitRequest(body, version);
    const known = request.topics.flatMap((topic) =>
      topic.partitions
        .filter((p) => broker.log.partition(topic.name, p.index))
        .map((p) => ({ topic: topic.name, partition: p.index, ...p })),
    );
    const errorCode = broker.groups.commit(
      request.groupId,
      request.generationId,
      request.memberId,
      known,
    );
    const topics = request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((p) => ({
        index: p.index,
        errorCode: broker.log.partition(topic.name, p.index)
          ? errorCode
          : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      })),
    }));
    return encodeOffsetCommitResponse(topics, version);
  },
};
