/**
 * OffsetCommit (key 8) v2. retention_time is ignored (offsets never expire). Generation -1 with
 * an empty member id is a commit from outside the group and is accepted as is.
 */
import { ApiKey, type ApiModule, Encoder, readInt64AsNumber, readStr } from '../protocol';

export const offsetCommitApi: ApiModule = {
  apiKey: ApiKey.OffsetCommit,
  name: 'OffsetCommit',
  minVersion: 2,
  maxVersion: 2,
  handle(body, { state }) {
    const groupId = readStr(body);
    const generationId = body.readInt32();
    const memberId = readStr(body);
    body.readInt64(); // retention_time
    const topics = body.readArray((t) => ({
      topic: readStr(t),
      partitions: t.readArray((p) => ({
        partition: p.readInt32(),
        offset: readInt64AsNumber(p),
        metadata: p.readString(),
      })),
    }));
    const entries = topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, ...p })));
    const errors = state.groups.commitOffsets(
      groupId,
      generationId,
      memberId,
      entries,
      (topic, partition) => state.partition(topic, partition) !== undefined,
    );
    let i = 0;
    return new Encoder().writeArray(
      topics.map((t) =>
        new Encoder()
          .writeString(t.topic)
          .writeArray(
            t.partitions.map((p) => new Encoder().writeInt32(p.partition).writeInt16(errors[i++])),
          ),
      ),
    );
  },
};
