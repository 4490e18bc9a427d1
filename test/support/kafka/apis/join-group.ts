/**
 * JoinGroup (key 11) v0-v2. v0 has no rebalance timeout (the session timeout stands in); v2 adds
 * throttle_time_ms. The response waits until the rebalance completes (see GroupCoordinator).
 */
import { ApiKey, type ApiModule, Encoder, readStr } from '../protocol';

export const joinGroupApi: ApiModule = {
  apiKey: ApiKey.JoinGroup,
  name: 'JoinGroup',
  minVersion: 0,
  maxVersion: 2,
  async handle(body, { header, state }) {
    const v = header.apiVersion;
    const groupId = readStr(body);
    const sessionTimeoutMs = body.readInt32();
    const rebalanceTimeoutMs = v >= 1 ? body.readInt32() : sessionTimeoutMs;
    const memberId = readStr(body);
    const protocolType = readStr(body);
    const protocols = body.readArray((d) => ({
      name: readStr(d),
      metadata: Buffer.from(d.readBytes() ?? Buffer.alloc(0)),
    }));
    const result = await state.groups.join({
      groupId,
      memberId,
      clientId: header.clientId ?? '',
      sessionTimeoutMs,
      rebalanceTimeoutMs,
      protocolType,
      protocols,
    });
    const out = new Encoder();
    if (v >= 2) out.writeInt32(0); // throttle_time_ms
    return out
      .writeInt16(result.errorCode)
      .writeInt32(result.generationId)
      .writeString(result.protocol)
      .writeString(result.leaderId)
      .writeString(result.memberId)
      .writeArray(
        result.members.map((m) => new Encoder().writeString(m.memberId).writeBytes(m.metadata)),
      );
  },
};
