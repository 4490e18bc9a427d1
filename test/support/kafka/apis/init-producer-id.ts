/**
 * InitProducerId (key 22) v0, for idempotent producers only: a fresh producer id, epoch 0.
 * A transactional id is answered the same way, but transactions are not implemented.
 */
import { ApiKey, type ApiModule, Encoder, ErrorCode } from '../protocol';

export const initProducerIdApi: ApiModule = {
  apiKey: ApiKey.InitProducerId,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 0,
  handle(body, { state }) {
    body.readString(); // transactional_id
    body.readInt32(); // transaction_timeout_ms
    return new Encoder()
      .writeInt32(0)
      .writeInt16(ErrorCode.NONE)
      .writeInt64(state.allocateProducerId())
      .writeInt16(0);
  },
};
