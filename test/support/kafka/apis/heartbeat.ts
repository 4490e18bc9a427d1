/** Heartbeat (key 12) v0-v1: REBALANCE_IN_PROGRESS tells a member to rejoin. */
import { ApiKey, type ApiModule, Encoder, readStr } from '../protocol';

export const heartbeatApi: ApiModule = {
  apiKey: ApiKey.Heartbeat,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 1,
  handle(body, { header, state }) {
    const groupId = readStr(body);
    const generationId = body.readInt32();
    const memberId = readStr(body);
    const out = new Encoder();
    if (header.apiVersion >= 1) out.writeInt32(0); // throttle_time_ms
    return out.writeInt16(state.groups.heartbeat(groupId, generationId, memberId));
  },
};
