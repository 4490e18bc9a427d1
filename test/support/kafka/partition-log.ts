/**
 * One partition's log for the Kafka test broker: the producers' record batches (magic 2) kept as
 * the bytes they arrived in, each at its base offset, plus the idempotent producers' sequence
 * state. Serving a batch rewrites only its first 8 bytes (baseOffset), which the CRC does not cover.
 * TEST HARNESS ONLY — see docs/KAFKA-TEST-BROKER.md.
 */
import { gunzipSync } from 'node:zlib';
import decodeRecord from 'kafkajs/src/protocol/recordBatch/record/v0/decoder';
import { Decoder, ErrorCode } from './protocol';

/** Byte offsets of the record batch header fields (magic 2). */
export const BatchHeader = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  firstTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordCount: 57,
  records: 61,
} as const;

export interface StoredBatch {
  baseOffset: number;
  lastOffset: number;
  bytes: Buffer;
}

export interface LogRecord {
  offset: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

interface ProducerState {
  epoch: number;
  /** The last few appended batches (Kafka keeps 5): baseSequence → base offset. */
  recent: { baseSequence: number; lastSequence: number; baseOffset: number }[];
}

export type AppendResult =
  { errorCode: typeof ErrorCode.NONE; baseOffset: number } | { errorCode: number; baseOffset: -1 };

const MAX_REMEMBERED_BATCHES = 5;

export class PartitionLog {
  private readonly batches: StoredBatch[] = [];
  private readonly producers = new Map<bigint, ProducerState>();
  private next = 0;

  /** The offset the next record gets; also the high watermark (one node, no replication). */
  get highWatermark(): number {
    return this.next;
  }

  get logStartOffset(): number {
    return 0;
  }

  /**
   * Appends every batch of a produce request's record set for this partition. An idempotent
   * batch already stored (same producer id and base sequence) appends nothing and answers its
   * original base offset; a gap in the sequence is OUT_OF_ORDER_SEQUENCE_NUMBER.
   */
  appendRecordSet(recordSet: Buffer): AppendResult {
    const batches = splitBatches(recordSet);
    if (batches === null || batches.length === 0) {
      return { errorCode: ErrorCode.CORRUPT_MESSAGE, baseOffset: -1 };
    }
    let first: number | null = null;
    for (const batch of batches) {
      const result = this.appendBatch(batch);
      if (result.errorCode !== ErrorCode.NONE) return result;
      first ??= result.baseOffset;
    }
    return { errorCode: ErrorCode.NONE, baseOffset: first ?? 0 };
  }

  private appendBatch(batch: Buffer): AppendResult {
    if (batch.readInt8(BatchHeader.magic) !== 2) {
      return { errorCode: ErrorCode.CORRUPT_MESSAGE, baseOffset: -1 };
    }
    const lastOffsetDelta = batch.readInt32BE(BatchHeader.lastOffsetDelta);
    const producerId = batch.readBigInt64BE(BatchHeader.producerId);
    const epoch = batch.readInt16BE(BatchHeader.producerEpoch);
    const baseSequence = batch.readInt32BE(BatchHeader.baseSequence);

    if (producerId >= 0n && baseSequence >= 0) {
      const state = this.producers.get(producerId);
      if (state && epoch < state.epoch) {
        return { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, baseOffset: -1 };
      }
      if (state && epoch === state.epoch) {
        const duplicate = state.recent.find((b) => b.baseSequence === baseSequence);
        if (duplicate) return { errorCode: ErrorCode.NONE, baseOffset: duplicate.baseOffset };
        const last = state.recent[state.recent.length - 1];
        const expected = last ? (last.lastSequence + 1) | 0 : 0;
        if (baseSequence !== expected) {
          return { errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, baseOffset: -1 };
        }
      } else if (baseSequence !== 0) {
        // A new producer (or a new epoch) must start at sequence 0.
        return { errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, baseOffset: -1 };
      }
      const baseOffset = this.store(batch, lastOffsetDelta);
      const current =
        state && state.epoch === epoch ? state : { epoch, recent: [] as ProducerState['recent'] };
      current.recent.push({
        baseSequence,
        lastSequence: (baseSequence + lastOffsetDelta) | 0,
        baseOffset,
      });
      if (current.recent.length > MAX_REMEMBERED_BATCHES) current.recent.shift();
      this.producers.set(producerId, current);
      return { errorCode: ErrorCode.NONE, baseOffset };
    }
    return { errorCode: ErrorCode.NONE, baseOffset: this.store(batch, lastOffsetDelta) };
  }

  private store(batch: Buffer, lastOffsetDelta: number): number {
    const baseOffset = this.next;
    const bytes = Buffer.from(batch); // own copy: the socket's buffer is reused
    bytes.writeBigInt64BE(BigInt(baseOffset), BatchHeader.baseOffset);
    this.batches.push({ baseOffset, lastOffset: baseOffset + lastOffsetDelta, bytes });
    this.next = baseOffset + lastOffsetDelta + 1;
    return baseOffset;
  }

  /**
   * The batches holding `fetchOffset` and after, up to about `maxBytes` (at least one whole batch,
   * as Kafka does, so a large batch never stalls a consumer).
   */
  read(fetchOffset: number, maxBytes: number): Buffer {
    const start = this.indexOf(fetchOffset);
    const out: Buffer[] = [];
    let size = 0;
    for (let i = start; i < this.batches.length; i++) {
      const bytes = this.batches[i].bytes;
      if (out.length > 0 && size + bytes.length > maxBytes) break;
      out.push(bytes);
      size += bytes.length;
    }
    return Buffer.concat(out);
  }

  private indexOf(offset: number): number {
    let lo = 0;
    let hi = this.batches.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.batches[mid].lastOffset < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Every record, decoded (for assertions). Uncompressed and gzip batches only. */
  records(): LogRecord[] {
    const out: LogRecord[] = [];
    for (const batch of this.batches) {
      const attributes = batch.bytes.readInt16BE(BatchHeader.attributes);
      if (attributes & 0x20) continue; // control batch
      const count = batch.bytes.readInt32BE(BatchHeader.recordCount);
      const codec = attributes & 0x7;
      let body = batch.bytes.subarray(BatchHeader.records);
      if (codec === 1) body = gunzipSync(body);
      else if (codec !== 0) throw new Error(`records(): compression codec ${codec} not supported`);
      const decoder = new Decoder(body);
      const context = {
        firstOffset: String(batch.baseOffset),
        firstTimestamp: batch.bytes.readBigInt64BE(BatchHeader.firstTimestamp).toString(),
        magicByte: 2,
      };
      for (let i = 0; i < count; i++) {
        const bytes = decoder.readVarIntBytes();
        if (bytes === null) break;
        const record = decodeRecord(new Decoder(bytes), context);
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(record.headers)) {
          headers[name] = (Array.isArray(value) ? value[value.length - 1] : value).toString();
        }
        out.push({
          offset: Number(record.offset),
          key: record.key === null ? null : record.key.toString(),
          value: record.value === null ? null : record.value.toString(),
          headers,
        });
      }
    }
    return out;
  }
}

/** Splits a record set into whole batches; null when the bytes are not a sequence of batches. */
function splitBatches(recordSet: Buffer): Buffer[] | null {
  const batches: Buffer[] = [];
  let at = 0;
  while (at < recordSet.length) {
    if (recordSet.length - at < BatchHeader.records) return null;
    const length = recordSet.readInt32BE(at + BatchHeader.batchLength);
    const end = at + 12 + length;
    if (length < BatchHeader.records - 12 || end > recordSet.length) return null;
    batches.push(recordSet.subarray(at, end));
    at = end;
  }
  return batches;
}
