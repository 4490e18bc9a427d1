/** FindCoordinator (key 10) v0-v1: the broker itself (node 0) coordinates every group. */
import { NODE_ID } from '../broker-state';
import { ApiKey, type ApiModule, Encoder, ErrorCode } from '../protocol';

export const findCoordinatorApi: ApiModule = {
  apiKey: ApiKey.FindCoordinator,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 1,
  handle(body, { header, state }) {
    body.readString(); // coordinator_key (group id)
    if (header.apiVersion >= 1) body.readInt8(); // coordinator_type
    const out = new Encoder();
    if (header.apiVersion >= 1) out.writeInt32(0); // throttle_time_ms
    out.writeInt16(ErrorCode.NONE);
    if (header.apiVersion >= 1) out.writeString(null); // error_message
    return out.writeInt32(NODE_ID).writeString(state.host).writeInt32(state.port);
  },
};
