/**
 * Produce (key 0) v3: record batches (magic 2) stored as they arrive. acks 0 gets no response.
 * Idempotent de-duplication happens in PartitionLog. No transactions: transactional_id is read
 * and ignored.
 */
import { ApiKey, type ApiModule, Encoder, ErrorCode, readStr } from '../protocol';

export const produceApi: ApiModule = {
  apiKey: ApiKey.Produce,
  name: 'Produce',
  minVersion: 3,
  maxVersion: 3,
  handle(body, { state, dropConnection }) {
    body.readString(); // transactional_id
    const acks = body.readInt16();
    body.readInt32(); // timeout
    let appended = false;
    const topics = body.readArray((t) => {
      const name = readStr(t);
      const partitions = t.readArray((p) => {
        const partition = p.readInt32();
        const recordSet = p.readBytes() ?? Buffer.alloc(0);
        const log = state.topic(name, true)?.[partition];
        if (!log) {
          return { partition, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, baseOffset: -1 };
        }
        const before = log.highWatermark;
        const result = log.appendRecordSet(recordSet);
        if (log.highWatermark !== before) appended = true;
        return { partition, ...result };
      });
      return { name, partitions };
    });
    if (appended) state.notifyAppended();
    if (state.dropProduceResponses > 0) {
      state.dropProduceResponses -= 1;
      dropConnection(); // a lost response: appended, never acknowledged
      return null;
    }
    if (acks === 0) return null;
    return new Encoder()
      .writeArray(
        topics.map((t) =>
          new Encoder().writeString(t.name).writeArray(
            t.partitions.map(
              (p) =>
                new Encoder()
                  .writeInt32(p.partition)
                  .writeInt16(p.errorCode)
                  .writeInt64(p.baseOffset)
                  .writeInt64(-1), // log_append_time: CreateTime topics
            ),
          ),
        ),
      )
      .writeInt32(0);
  },
};
