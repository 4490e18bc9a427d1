/**
 * CreateTopics (key 19) v0-v1. Replication factor and replica assignments are accepted and
 * ignored (one node); config entries are ignored. v1 adds validate_only and error_message.
 */
import { ApiKey, type ApiModule, Encoder, ErrorCode, readStr } from '../protocol';

export const createTopicsApi: ApiModule = {
  apiKey: ApiKey.CreateTopics,
  name: 'CreateTopics',
  minVersion: 0,
  maxVersion: 1,
  handle(body, { header, state }) {
    const v = header.apiVersion;
    const requests = body.readArray((d) => {
      const topic = readStr(d);
      const numPartitions = d.readInt32();
      d.readInt16(); // replication_factor
      d.readArray((a) => ({
        partition: a.readInt32(),
        replicas: a.readArray((r) => r.readInt32()),
      }));
      d.readArray((c) => ({ name: c.readString(), value: c.readString() }));
      return { topic, numPartitions };
    });
    body.readInt32(); // timeout
    const validateOnly = v >= 1 ? body.readBoolean() : false;

    const results = requests.map(({ topic, numPartitions }) => {
      const partitions = numPartitions === -1 ? state.options.defaultPartitions : numPartitions;
      let errorCode: number = ErrorCode.NONE;
      let message: string | null = null;
      if (state.topics.has(topic)) {
        errorCode = ErrorCode.TOPIC_ALREADY_EXISTS;
        message = `Topic '${topic}' already exists.`;
      } else if (!Number.isInteger(partitions) || partitions < 1) {
        errorCode = ErrorCode.INVALID_PARTITIONS;
        message = 'Number of partitions must be larger than 0.';
      } else if (!validateOnly) {
        state.createTopic(topic, partitions);
      }
      const e = new Encoder().writeString(topic).writeInt16(errorCode);
      if (v >= 1) e.writeString(message);
      return e;
    });
    return new Encoder().writeArray(results);
  },
};
