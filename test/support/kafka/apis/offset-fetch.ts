/**
 * OffsetFetch (key 9) v1-v2: committed offsets, -1 (and empty metadata) where none. v2 adds the
 * top-level error_code and accepts a null topic list meaning "every committed partition".
 */
import {
  ApiKey,
  type ApiModule,
  Encoder,
  ErrorCode,
  readNullableArray,
  readStr,
} from '../protocol';

export const offsetFetchApi: ApiModule = {
  apiKey: ApiKey.OffsetFetch,
  name: 'OffsetFetch',
  minVersion: 1,
  maxVersion: 2,
  handle(body, { header, state }) {
    const groupId = readStr(body);
    const requested = readNullableArray(body, (t) => ({
      topic: readStr(t),
      partitions: t.readArray((p) => p.readInt32()),
    }));
    const topics =
      requested ??
      groupByTopic(
        state.groups.committed(groupId).map(({ topic, partition }) => ({ topic, partition })),
      );
    const out = new Encoder().writeArray(
      topics.map((t) =>
        new Encoder().writeString(t.topic).writeArray(
          t.partitions.map((partition) => {
            const committed = state.groups.fetchOffset(groupId, t.topic, partition);
            return new Encoder()
              .writeInt32(partition)
              .writeInt64(committed?.offset ?? -1)
              .writeString(committed?.metadata ?? '')
              .writeInt16(ErrorCode.NONE);
          }),
        ),
      ),
    );
    if (header.apiVersion >= 2) out.writeInt16(ErrorCode.NONE);
    return out;
  },
};

function groupByTopic(
  entries: { topic: string; partition: number }[],
): { topic: string; partitions: number[] }[] {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of entries) {
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
  }
  return [...byTopic.entries()].map(([topic, partitions]) => ({ topic, partitions }));
}
