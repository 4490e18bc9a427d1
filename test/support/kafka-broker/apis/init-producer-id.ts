import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import type { Reader } from '../protocol/reader';
import { Writer } from '../protocol/writer';
import type { ApiHandler } from './api';

/**
 * InitProducerId v0-1: a fresh producer id (epoch 0) for an idempotent producer. Transactional
 * ids are refused: transactions are not implemented.
 * Request: transactional_id transaction_timeout_ms.
 * Response: throttle_time_ms error_code producer_id producer_epoch.
 */
export function decodeInitProducerIdRequest(body: Reader): { transactionalId: string | null } {
  const transactionalId = body.nullableString();
  body.int32(); // transaction_timeout_ms
  return { transactionalId };
}

export function encodeInitProducerIdResponse(
  errorCode: ErrorCode,
  producerId: number,
  producerEpoch: number,
): Buffer {
  return new Writer().int32(0).int16(errorCode).int64(producerId).int16(producerEpoch).toBuffer();
}

export const initProducerIdApi: ApiHandler = {
  apiKey: ApiKey.InitProducerId,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 1,
  handle: ({ body, broker }) => {
    const request = decodeInitProducerIdRequest(body);
    return request.transactionalId === null
      ? encodeInitProducerIdResponse(ErrorCode.NONE, broker.nextProducerId(), 0)
      : encodeInitProducerIdResponse(ErrorCode.INVALID_REQUEST, -1, -1);
  },
};
