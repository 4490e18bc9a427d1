import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import type { Reader } from '../protocol/reader';
import { Writer } from '../protocol/writer';
import type { ApiHandler, BrokerState } from './api';

/**
 * FindCoordinator v0-2 (v2 as v1): the one node coordinates every group.
 * Request: key key_type(v1+). Response: throttle_time_ms(v1+) error_code error_message(v1+)
 *   node_id host port.
 */
export function decodeFindCoordinatorRequest(body: Reader, version: number): { key: string } {
  const key = body.string();
  if (version >= 1) body.int8(); // key_type: group or transaction, the same node either way
  return { key };
}

export function encodeFindCoordinatorResponse(broker: BrokerState, version: number): Buffer {
  const writer = new Writer();
  if (version >= 1) writer.int32(0);
  writer.int16(ErrorCode.NONE);
  if (version >= 1) writer.nullableString(null);
  return writer.int32(broker.nodeId).string(broker.host).int32(broker.port).toBuffer();
}

export const findCoordinatorApi: ApiHandler = {
  apiKey: ApiKey.FindCoordinator,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 2,
  handle: ({ version, body, broker }) => {
    decodeFindCoordinatorRequest(body, version);
    return encodeFindCoordinatorResponse(broker, version);
  },
};
