import { ApiKey } from '../protocol/api-keys';
import type { ErrorCode } from '../protocol/error-codes';
import type { Reader } from '../protocol/reader';
import { Writer } from '../protocol/writer';
import type { ApiHandler } from './api';

/**
 * Heartbeat v0-3: keeps a member's session alive and tells it, with REBALANCE_IN_PROGRESS,
 * that it must rejoin. v3's group_instance_id is read and ignored (no static membership).
 * Request: group_id generation_id member_id group_instance_id(v3+).
 * Response: throttle_time_ms(v1+) error_code.
 */
export function decodeHeartbeatRequest(
  body: Reader,
  version: number,
): {
  groupId: string;
  generationId: number;
  memberId: string;
} {
  const request = { groupId: body.string(), generationId: body.int32(), memberId: body.string() };
  if (version >= 3) body.nullableString(); // group_instance_id
  return request;
}

export function encodeErrorOnlyResponse(errorCode: ErrorCode, version: number): Buffer {
  const writer = new Writer();
  if (version >= 1) writer.int32(0);
  return writer.int16(errorCode).toBuffer();
}

export const heartbeatApi: ApiHandler = {
  apiKey: ApiKey.Heartbeat,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 3,
  handle: ({ version, body, broker }) => {
    const request = decodeHeartbeatRequest(body, version);
    const errorCode = broker.groups.heartbeat(
      request.groupId,
      request.generationId,
      request.memberId,
    );
    return encodeErrorOnlyResponse(errorCode, version);
  },
};
