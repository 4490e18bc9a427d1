import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import type { Reader } from '../protocol/reader';
import { Writer } from '../protocol/writer';
import type { ApiHandler } from './api';

/**
 * OffsetFetch v1-4 (v4 as v3): a group's committed offsets, -1 where nothing was committed.
 * Request: group_id [topics: name [partition_indexes]] (v2+: null = every committed one).
 * Response: throttle_time_ms(v3+) [topics: name [partitions: partition_index committed_offset
 *   metadata error_code]] error_code(v2+).
 */
interface OffsetFetchRequest {
  groupId: string;
  topics: { name: string; partitions: number[] }[] | null;
}

interface PartitionOffset {
  index: number;
  offset: number;
  metadata: string | null;
}

export function decodeOffsetFetchRequest(body: Reader): OffsetFetchRequest {
  return {
    groupId: body.string(),
    topics: body.nullableArray((t) => ({
      name: t.string(),
      partitions: t.array((p) => p.int32()),
    })),
  };
}

export function encodeOffsetFetchResponse(
  topics: readonly { name: string; partitions: readonly PartitionOffset[] }[],
  version: number,
): Buffer {
  const writer = new Writer();
  if (version >= 3) writer.int32(0);
  writer.array(topics, (w, topic) =>
    w.string(topic.name).array(topic.partitions, (p, partition) => {
      p.int32(partition.index).int64(partition.offset).nullableString(partition.metadata);
      p.int16(ErrorCode.NONE);
    }),
  );
  if (version >= 2) writer.int16(ErrorCode.NONE);
  return writer.toBuffer();
}

export const offsetFetchApi: ApiHandler = {
  apiKey: ApiKey.OffsetFetch,
  name: 'OffsetFetch',
  minVersion: 1,
  maxVersion: 4,
  handle: ({ version, body, broker }) => {
    const request = decodeOffsetFetchRequest(body);
    const requested =
      request.topics ?? groupByTopic(broker.groups.committedOffsets(request.groupId));
    const topics = requested.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((index): PartitionOffset => {
        const committed = broker.groups.committed(request.groupId, topic.name, index);
        return committed
          ? { index, offset: committed.offset, metadata: committed.metadata }
          : { index, offset: -1, metadata: '' };
      }),
    }));
    return encodeOffsetFetchResponse(topics, version);
  },
};

function groupByTopic(
  offsets: readonly { topic: string; partition: number }[],
): { name: string; partitions: number[] }[] {
  const topics = new Map<string, number[]>();
  for (const { topic, partition } of offsets) {
    topics.set(topic, [...(topics.get(topic) ?? []), partition]);
  }
  return [...topics].map(([name, partitions]) => ({ name, partitions }));
}
