import type { GroupDescription } from '../group-coordinator';
import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import type { Reader } from '../protocol/reader';
import { Writer } from '../protocol/writer';
import type { ApiHandler } from './api';

/**
 * DescribeGroups v0-2 (v2 as v1), for tests and admin clients that look at a group's members.
 * Request: [groups]. Response: throttle_time_ms(v1+) [groups: error_code group_id group_state
 *   protocol_type protocol_data [members: member_id client_id client_host member_metadata
 *   member_assignment]].
 */
export function decodeDescribeGroupsRequest(body: Reader): { groups: string[] } {
  return { groups: body.array((g) => g.string()) };
}

export function encodeDescribeGroupsResponse(
  groups: readonly GroupDescription[],
  version: number,
): Buffer {
  const writer = new Writer();
  if (version >= 1) writer.int32(0);
  return writer
    .array(groups, (w, group) => {
      w.int16(ErrorCode.NONE).string(group.groupId).string(group.state);
      w.string(group.protocolType).string(group.protocolName);
      w.array(group.members, (m, member) => {
        m.string(member.memberId).string(member.clientId).string(member.clientHost);
        m.bytes(member.metadata).bytes(member.assignment);
      });
    })
    .toBuffer();
}

export const describeGroupsApi: ApiHandler = {
  apiKey: ApiKey.DescribeGroups,
  name: 'DescribeGroups',
  minVersion: 0,
  maxVersion: 2,
  handle: ({ version, body, broker }) => {
    const request = decodeDescribeGroupsRequest(body);
    const groups = request.groups.map(
      (groupId): GroupDescription =>
        broker.groups.describe(groupId) ?? {
          groupId,
          state: 'Dead',
          protocolType: '',
          protocolName: '',
          members: [],
        },
    );
    return encodeDescribeGroupsResponse(groups, version);
  },
};
