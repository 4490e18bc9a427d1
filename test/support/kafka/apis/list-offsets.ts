/**
 * ListOffsets (key 2) v1: timestamp -2 = earliest (0), -1 = latest (high watermark). Lookups by
 * a real timestamp answer the latest offset (no time index).
 */
import {
  ApiKey,
  type ApiModule,
  Encoder,
  ErrorCode,
  readInt64AsNumber,
  readStr,
} from '../protocol';

export const listOffsetsApi: ApiModule = {
  apiKey: ApiKey.ListOffsets,
  name: 'ListOffsets',
  minVersion: 1,
  maxVersion: 1,
  handle(body, { state }) {
    body.readInt32(); // replica_id
    const topics = body.readArray((t) => ({
      name: readStr(t),
      partitions: t.readArray((p) => ({
        partition: p.readInt32(),
        timestamp: readInt64AsNumber(p),
      })),
    }));
    return new Encoder().writeArray(
      topics.map((t) =>
        new Encoder().writeString(t.name).writeArray(
          t.partitions.map(({ partition, timestamp }) => {
            const log = state.partition(t.name, partition);
            const e = new Encoder().writeInt32(partition);
            if (!log) {
              return e
                .writeInt16(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
                .writeInt64(-1)
                .writeInt64(-1);
            }
            const offset = timestamp === -2 ? log.logStartOffset : log.highWatermark;
            return e.writeInt16(ErrorCode.NONE).writeInt64(-1).writeInt64(offset);
          }),
        ),
      ),
    );
  },
};
