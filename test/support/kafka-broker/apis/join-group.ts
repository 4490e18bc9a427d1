import type { JoinRequest, JoinResult } from '../group-coordinator';
import { ApiKey } from '../protocol/api-keys';
import type { Reader } from '../protocol/reader';
import { Writer } from '../protocol/writer';
import type { ApiHandler } from './api';

/**
 * JoinGroup v0-3 (v4 would add the MEMBER_ID_REQUIRED round trip). The answer waits until the
 * rebalance completes.
 * Request: group_id session_timeout_ms rebalance_timeout_ms(v1+) member_id protocol_type
 *   [protocols: name metadata].
 * Response: throttle_time_ms(v2+) error_code generation_id protocol_name leader member_id
 *   [members: member_id metadata].
 */
export function decodeJoinGroupRequest(
  body: Reader,
  version: number,
): Omit<JoinRequest, 'clientId' | 'clientHost'> {
  const groupId = body.string();
  const sessionTimeoutMs = body.int32();
  const rebalanceTimeoutMs = version >= 1 ? body.int32() : sessionTimeoutMs;
  return {
    groupId,
    sessionTimeoutMs,
    rebalanceTimeoutMs,
    memberId: body.string(),
    protocolType: body.string(),
    protocols: body.array((p) => ({ name: p.string(), metadata: p.bytes() })),
  };
}

export function encodeJoinGroupResponse(result: JoinResult, version: number): Buffer {
  const writer = new Writer();
  if (version >= 2) writer.int32(0);
  return writer
    .int16(result.errorCode)
    .int32(result.generationId)
    .string(result.protocolName)
    .string(result.leaderId)
    .string(result.memberId)
    .array(result.members, (w, member) => w.string(member.memberId).bytes(member.metadata))
    .toBuffer();
}

export const joinGroupApi: ApiHandler = {
  apiKey: ApiKey.JoinGroup,
  name: 'JoinGroup',
  minVersion: 0,
  maxVersion: 3,
  handle: async ({ version, body, broker, header, clientHost }) => {
    const request = decodeJoinGroupRequest(body, version);
    const result = await broker.groups.join({
      ...request,
      clientId: header.clientId ?? '',
      clientHost: `/${clientHost}`,
    });
    return encodeJoinGroupResponse(result, version);
  },
};
