/**
 * Fetch (key 1) v4 with long polling: when fewer than min_bytes are available the request waits
 * up to max_wait_ms, woken by every append. Batches are served as stored (baseOffset already
 * rewritten). isolation_level is ignored (no transactions): last_stable_offset = high watermark.
 */
import {
  ApiKey,
  type ApiModule,
  Encoder,
  ErrorCode,
  readInt64AsNumber,
  readStr,
} from '../protocol';

const EMPTY = Buffer.alloc(0);

interface PartitionRequest {
  partition: number;
  fetchOffset: number;
  maxBytes: number;
}

export const fetchApi: ApiModule = {
  apiKey: ApiKey.Fetch,
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 4,
  async handle(body, { state, closed }) {
    body.readInt32(); // replica_id
    const maxWaitMs = body.readInt32();
    const minBytes = body.readInt32();
    const maxBytes = body.readInt32();
    body.readInt8(); // isolation_level
    const topics = body.readArray((t) => ({
      name: readStr(t),
      partitions: t.readArray((p): PartitionRequest => ({
        partition: p.readInt32(),
        fetchOffset: readInt64AsNumber(p),
        maxBytes: p.readInt32(),
      })),
    }));

    const collect = () => {
      let total = 0;
      let hasError = false;
      const responses = topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const log = state.partition(t.name, p.partition);
          if (!log) {
            hasError = true;
            return { ...p, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, hw: -1, data: EMPTY };
          }
          if (p.fetchOffset < log.logStartOffset || p.fetchOffset > log.highWatermark) {
            hasError = true;
            return {
              ...p,
              errorCode: ErrorCode.OFFSET_OUT_OF_RANGE,
              hw: log.highWatermark,
              data: EMPTY,
            };
          }
          const budget = Math.max(0, Math.min(p.maxBytes, maxBytes - total));
          const data = log.read(p.fetchOffset, budget);
          total += data.length;
          return { ...p, errorCode: ErrorCode.NONE, hw: log.highWatermark, data };
        }),
      }));
      return { responses, total, hasError };
    };

    let result = collect();
    const deadline = Date.now() + maxWaitMs;
    let closedNow = false;
    void closed.then(() => (closedNow = true));
    while (!result.hasError && result.total < minBytes && !closedNow) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await state.waitForAppend(left, closed);
      result = collect();
    }

    return new Encoder().writeInt32(0).writeArray(
      result.responses.map((t) =>
        new Encoder().writeString(t.name).writeArray(
          t.partitions.map((p) =>
            new Encoder()
              .writeInt32(p.partition)
              .writeInt16(p.errorCode)
              .writeInt64(p.hw)
              .writeInt64(p.hw) // last_stable_offset
              .writeArray([]) // aborted_transactions
              .writeBytes(p.data),
          ),
        ),
      ),
    );
  },
};
