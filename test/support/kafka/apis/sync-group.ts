/** SyncGroup (key 14) v0-v1: the leader hands out assignments, followers wait for theirs. */
import { ApiKey, type ApiModule, Encoder, readStr } from '../protocol';

export const syncGroupApi: ApiModule = {
  apiKey: ApiKey.SyncGroup,
  name: 'SyncGroup',
  minVersion: 0,
  maxVersion: 1,
  async handle(body, { header, state }) {
    const groupId = readStr(body);
    const generationId = body.readInt32();
    const memberId = readStr(body);
    const assignments = body.readArray((d) => ({
      memberId: readStr(d),
      assignment: Buffer.from(d.readBytes() ?? Buffer.alloc(0)),
    }));
    const result = await state.groups.sync(groupId, generationId, memberId, assignments);
    const out = new Encoder();
    if (header.apiVersion >= 1) out.writeInt32(0); // throttle_time_ms
    return out.writeInt16(result.errorCode).writeBytes(result.assignment);
  },
};
