import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import { Writer } from '../protocol/writer';
import type { ApiHandler } from './api';

/**
 * ListGroups v0-2 (v2 as v1). Request: empty.
 * Response: throttle_time_ms(v1+) error_code [groups: group_id protocol_type].
 */
export function encodeListGroupsResponse(
  groups: readonly { groupId: string; protocolType: string }[],
  version: number,
): Buffer {
  const writer = new Writer();
  if (version >= 1) writer.int32(0);
  return writer
    .int16(ErrorCode.NONE)
    .array(groups, (w, group) => w.string(group.groupId).string(group.protocolType))
    .toBuffer();
}

export const listGroupsApi: ApiHandler = {
  apiKey: ApiKey.ListGroups,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 2,
  handle: ({ version, broker }) => {
    const groups = broker.groups.groupIds().map((groupId) => ({
      groupId,
      protocolType: broker.groups.describe(groupId)?.protocolType ?? 'consumer',
    }));
    return encodeListGroupsResponse(groups, version);
  },
};
