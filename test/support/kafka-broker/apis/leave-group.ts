import { ApiKey } from '../protocol/api-keys';
import type { Reader } from '../protocol/reader';
import type { ApiHandler } from './api';
import { encodeErrorOnlyResponse } from './heartbeat';

/**
 * LeaveGroup v0-2: the member goes, and the others rebalance without waiting for its session
 * to time out.
 * Request: group_id member_id. Response: throttle_time_ms(v1+) error_code.
 */
export function decodeLeaveGroupRequest(body: Reader): { groupId: string; memberId: string } {
  return { groupId: body.string(), memberId: body.string() };
}

export const leaveGroupApi: ApiHandler = {
  apiKey: ApiKey.LeaveGroup,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 2,
  handle: ({ version, body, broker }) => {
    const request = decodeLeaveGroupRequest(body);
    const errorCode = broker.groups.leave(request.groupId, request.memberId);
    return encodeErrorOnlyResponse(errorCode, version);
  },
};
