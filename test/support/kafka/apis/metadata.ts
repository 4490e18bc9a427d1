/**
 * Metadata (key 3) v0-v4. Node 0 is the only broker, the controller and the leader (and sole
 * replica) of every partition. v0: an empty topic list means all topics; v1+: null means all.
 * v4 carries allow_auto_topic_creation; earlier versions always allow it.
 */
import { CLUSTER_ID, NODE_ID } from '../broker-state';
import {
  ApiKey,
  type ApiModule,
  Encoder,
  ErrorCode,
  readNullableArray,
  readStr,
} from '../protocol';

export const metadataApi: ApiModule = {
  apiKey: ApiKey.Metadata,
  name: 'Metadata',
  minVersion: 0,
  maxVersion: 4,
  handle(body, { header, state }) {
    const v = header.apiVersion;
    let requested = readNullableArray(body, readStr);
    const allowAutoCreate = v >= 4 ? body.readBoolean() : true;
    if (v === 0 && requested !== null && requested.length === 0) requested = null;

    const names = requested ?? [...state.topics.keys()];
    const topics = names.map((name) => {
      const partitions =
        requested === null ? state.topics.get(name) : state.topic(name, allowAutoCreate);
      const t = new Encoder()
        .writeInt16(partitions ? ErrorCode.NONE : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
        .writeString(name);
      if (v >= 1) t.writeBoolean(false); // is_internal
      t.writeArray(
        (partitions ?? []).map((_log, index) =>
          new Encoder()
            .writeInt16(ErrorCode.NONE)
            .writeInt32(index)
            .writeInt32(NODE_ID)
            .writeArray([NODE_ID])
            .writeArray([NODE_ID]),
        ),
      );
      return t;
    });

    const out = new Encoder();
    if (v >= 3) out.writeInt32(0); // throttle_time_ms
    const broker = new Encoder().writeInt32(NODE_ID).writeString(state.host).writeInt32(state.port);
    if (v >= 1) broker.writeString(null); // rack
    out.writeArray([broker]);
    if (v >= 2) out.writeString(CLUSTER_ID);
    if (v >= 1) out.writeInt32(NODE_ID); // controller_id
    return out.writeArray(topics);
  },
};
