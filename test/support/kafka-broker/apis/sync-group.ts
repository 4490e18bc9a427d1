import type { SyncResult } from '../group-coordinator';
import { ApiKey } from '../protocol/api-keys';
import type { Reader } from '../protocol/reader';
import { Writer } from '../protocol/writer';
import type { ApiHandler } from './api';

/**
 * SyncGroup v0-3: the leader hands in every member's assignment; each member waits for its own.
 * v3's group_instance_id is read and ignored (no static membership).
 * Request: group_id generation_id member_id group_instance_id(v3+) [assignments: member_id
 *   assignment].
 * Response: throttle_time_ms(v1+) error_code assignment.
 */
interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  assignments: Map<string, Buffer>;
}

export function decodeSyncGroupRequest(body: Reader, version: number): SyncGroupRequest {
  const groupId = body.string();
  const generationId = body.int32();
  const memberId = body.string();
  if (version >= 3) body.nullableString(); // group_instance_id
  return {
    groupId,
    generationId,
    memberId,
    assignments: new Map(body.array((a) => [a.string(), a.bytes()] as const)),
  };
}

export function encodeSyncGroupResponse(result: SyncResult, version: number): Buffer {
  const writer = new Writer();
  if (version >= 1) writer.int32(0);
  return writer.int16(result.errorCode).bytes(result.assignment).toBuffer();
}

export const syncGroupApi: ApiHandler = {
  apiKey: ApiKey.SyncGroup,
  name: 'SyncGroup',
  minVersion: 0,
  maxVersion: 3,
  handle: async ({ version, body, broker }) => {
    const request = decodeSyncGroupRequest(body, version);
    const result = await broker.groups.sync(
      request.groupId,
      request.generationId,
      request.memberId,
      request.assignments,
    );
    return encodeSyncGroupResponse(result, version);
  },
};
