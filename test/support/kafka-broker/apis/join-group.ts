import type { JoinRequest, JoinResult } from '../group-coordinator';
import { ApiKey } from '../protocol/api-keys';
import type { Reader } from '../protocol/reader';
import { Writer } from '../protocol/writer';
import type { ApiHandler } from './api';

/**
 * JoinGroup v0-5. From v4 a member joining without an id gets one with MEMBER_ID_REQUIRED and
 * joins again with it (KIP-394), as from Kafka. v5's group_instance_id (static membership,
 * KIP-345) is read and ignored: every member is dynamic, and answered with a null one. The
 * answer waits until the rebalance completes.
 * Request: group_id session_timeout_ms rebalance_timeout_ms(v1+) member_id
 *   group_instance_id(v5+) protocol_type [protocols: name metadata].
 * Response: throttle_time_ms(v2+) error_code generation_id protocol_name leader member_id
 *   [members: member_id group_instance_id(v5+) metadata].
 */
export function decodeJoinGroupRequest(
  body: Reader,
  version: number,
): Omit<JoinRequest, 'clientId' | 'clientHost'> {
  const groupId = body.string();
  const sessionTimeoutMs = body.int32();
  const rebalanceTimeoutMs = version >= 1 ? body.int32() : sessionTimeoutMs;
  const memberId = body.string();
  if (version >= 5) body.nullableString(); // group_instance_id: static membership is ignored
  return {
    groupId,
    sessionTimeoutMs,
    rebalanceTimeoutMs,
    memberId,
    protocolType: body.string(),
    protocols: body.array((p) => ({ name: p.string(), metadata: p.bytes() })),
    requireKnownMemberId: version >= 4,
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
    .array(result.members, (w, member) => {
      w.string(member.memberId);
      if (version >= 5) w.nullableString(null);
      w.bytes(member.metadata);
    })
    .toBuffer();
}

export const joinGroupApi: ApiHandler = {
  apiKey: ApiKey.JoinGroup,
  name: 'JoinGroup',
  minVersion: 0,
  maxVersion: 5,
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
