import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import type { Reader } from '../protocol/reader';
import { Writer } from '../protocol/writer';
import type { ApiHandler } from './api';
import { encodeErrorOnlyResponse } from './heartbeat';

/**
 * LeaveGroup v0-3: the members go, and the others rebalance without waiting for their sessions
 * to time out. v3 takes a batch of members (KIP-345) and answers each; their
 * group_instance_ids are read and ignored (no static membership).
 * Request: group_id member_id (v0-2) | group_id [members: member_id group_instance_id] (v3).
 * Response: throttle_time_ms(v1+) error_code [members: member_id group_instance_id
 *   error_code](v3).
 */
export function decodeLeaveGroupRequest(
  body: Reader,
  version: number,
): { groupId: string; memberIds: string[] } {
  const groupId = body.string();
  if (version < 3) return { groupId, memberIds: [body.string()] };
  const memberIds = body.array((m) => {
    const memberId = m.string();
    m.nullableString(); // group_instance_id
    return memberId;
  });
  return { groupId, memberIds };
}

export function encodeLeaveGroupV3Response(
  members: readonly { memberId: string; errorCode: ErrorCode }[],
): Buffer {
  return new Writer()
    .int32(0)
    .int16(ErrorCode.NONE)
    .array(members, (w, member) =>
      w.string(member.memberId).nullableString(null).int16(member.errorCode),
    )
    .toBuffer();
}

export const leaveGroupApi: ApiHandler = {
  apiKey: ApiKey.LeaveGroup,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 3,
  handle: ({ version, body, broker }) => {
    const request = decodeLeaveGroupRequest(body, version);
    const members = request.memberIds.map((memberId) => ({
      memberId,
      errorCode: broker.groups.leave(request.groupId, memberId),
    }));
    return version >= 3
      ? encodeLeaveGroupV3Response(members)
      : encodeErrorOnlyResponse(members[0].errorCode, version);
  },
};
