/** LeaveGroup (key 13) v0-v1: removes the member; the others rebalance. */
import { ApiKey, type ApiModule, Encoder, readStr } from '../protocol';

export const leaveGroupApi: ApiModule = {
  apiKey: ApiKey.LeaveGroup,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 1,
  handle(body, { header, state }) {
    const groupId = readStr(body);
    const memberId = readStr(body);
    const out = new Encoder();
    if (header.apiVersion >= 1) out.writeInt32(0); // throttle_time_ms
    return out.writeInt16(state.groups.leave(groupId, memberId));
  },
};
