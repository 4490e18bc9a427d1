import { ApiKey } from '../protocol/api-keys';
import type { ErrorCode } from '../protocol/error-codes';
import type { Reader } from '../protocol/reader';
import { Writer } from '../protocol/writer';
import type { ApiHandler } from './api';

/**
 * Heartbeat v0-2: keeps a member's session alive and tells it, with REBALANCE_IN_PROGRESS,
 * that it must rejoin.
 * Request: group_id generation_id member_id. Response: throttle_time_ms(v1+) error_code.
 */
export function decodeHeartbeatRequest(body: Reader): {
  groupId: string;
  generationId: number;
  memberId: string;
} {
  return { groupId: body.string(), generationId: body.int32(), memberId: body.string() };
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
  maxVersion: 2,
  handle: ({ version, body, broker }) => {
    const request = decodeHeartbeatRequest(body);
    const errorCode = broker.groups.heartbeat(
      request.groupId,
      request.generationId,
      request.memberId,
    );
    return encodeErrorOnlyResponse(errorCode, version);
  },
};
