import { decompressRecords } from './compression';
import { ProtocolError, Reader } from './reader';

/**
 * Record batches (magic 2), the unit a producer sends and the log stores. The broker keeps a
 * batch's bytes as received and only rewrites its base offset (and leader epoch), which sit in
 * front of the CRC: the CRC covers the attributes onwards, so a rewritten batch stays valid.
 *
 *   baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 | crc uint32 |
 *   attributes int16 | lastOffsetDelta int32 | firstTimestamp int64 | maxTimestamp int64 |
 *   producerId int64 | producerEpoch int16 | baseSequence int32 | records [Record]
 */
const BASE_OFFSET = 0;
const BATCH_LENGTH = 8;
const PARTITION_LEADER_EPOCH = 12;
const MAGIC = 16;
const CRC = 17;
const ATTRIBUTES = 21;
const LAST_OFFSET_DELTA = 23;
const FIRST_TIMESTAMP = 27;
const MAX_TIMESTAMP = 35;
const PRODUCER_ID = 43;
const PRODUCER_EPOCH = 51;
const BASE_SEQUENCE = 53;
const RECORD_COUNT = 57;
export const RECORD_BATCH_HEADER_LENGTH = 61;
/** baseOffset and batchLength: batchLength counts the bytes after them. */
const LOG_OVERHEAD = 12;

const COMPRESSION_MASK = 0x07;
const TRANSACTIONAL_FLAG = 0x10;
const CONTROL_FLAG = 0x20;

export interface RecordBatchHeader {
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  firstTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** One record of a batch, with its offset relative to the batch's base offset. */
export interface DecodedRecord {
  offsetDelta: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export class RecordBatchError extends ProtocolError {}

/** Splits a RECORDS field (one or more batches back to back) into the batches' bytes. */
export function splitRecordBatches(records: Buffer): Buffer[] {
  const batches: Buffer[] = [];
  let offset = 0;
  while (offset < records.length) {
    if (records.length - offset < LOG_OVERHEAD) {
      throw new RecordBatchError('trailing bytes shorter than a batch header');
    }
    const size = LOG_OVERHEAD + records.readInt32BE(offset + BATCH_LENGTH);
    if (size < RECORD_BATCH_HEADER_LENGTH || offset + size > records.length) {
      throw new RecordBatchError(`batch of ${size} bytes does not fit the records field`);
    }
    batches.push(records.subarray(offset, offset + size));
    offset += size;
  }
  return batches;
}

export function readRecordBatchHeader(batch: Buffer): RecordBatchHeader {
  return {
    magic: batch.readInt8(MAGIC),
    crc: batch.readUInt32BE(CRC),
    attributes: batch.readInt16BE(ATTRIBUTES),
    lastOffsetDelta: batch.readInt32BE(LAST_OFFSET_DELTA),
    firstTimestamp: Number(batch.readBigInt64BE(FIRST_TIMESTAMP)),
    maxTimestamp: Number(batch.readBigInt64BE(MAX_TIMESTAMP)),
    producerId: Number(batch.readBigInt64BE(PRODUCER_ID)),
    producerEpoch: batch.readInt16BE(PRODUCER_EPOCH),
    baseSequence: batch.readInt32BE(BASE_SEQUENCE),
    recordCount: batch.readInt32BE(RECORD_COUNT),
  };
}

export function isTransactional(header: RecordBatchHeader): boolean {
  return (header.attributes & TRANSACTIONAL_FLAG) !== 0;
}

export function isControl(header: RecordBatchHeader): boolean {
  return (header.attributes & CONTROL_FLAG) !== 0;
}

export function hasValidCrc(batch: Buffer): boolean {
  return crc32c(batch.subarray(ATTRIBUTES)) === batch.readUInt32BE(CRC);
}

/** A copy of the batch placed at `baseOffset` in the log. */
export function withBaseOffset(batch: Buffer, baseOffset: number): Buffer {
  const copy = Buffer.from(batch);
  copy.writeBigInt64BE(BigInt(baseOffset), BASE_OFFSET);
  copy.writeInt32BE(0, PARTITION_LEADER_EPOCH);
  return copy;
}

/** The codec in a batch's attributes: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
export function compressionOf(header: RecordBatchHeader): number {
  return header.attributes & COMPRESSION_MASK;
}

/** The batch's records, decompressed with any of Kafka's codecs. */
export function decodeRecords(batch: Buffer): DecodedRecord[] {
  const header = readRecordBatchHeader(batch);
  let body: Buffer;
  try {
    body = decompressRecords(compressionOf(header), batch.subarray(RECORD_BATCH_HEADER_LENGTH));
  } catch (error) {
    throw new RecordBatchError(
      `a batch compressed with codec ${compressionOf(header)} does not decompress: ${(error as Error).message}`,
    );
  }
  const reader = new Reader(body);
  const records: DecodedRecord[] = [];
  for (let i = 0; i < header.recordCount; i++) {
    const record = new Reader(reader.take(reader.varint()));
    record.int8(); // attributes: unused by magic 2
    const timestampDelta = record.varlong();
    const offsetDelta = record.varint();
    const key = varintBytes(record);
    const value = varintBytes(record);
    const headers: RecordHeader[] = [];
    const headerCount = record.varint();
    for (let h = 0; h < headerCount; h++) {
      const headerKey = varintBytes(record);
      if (headerKey === null) throw new RecordBatchError('record header with a null key');
      headers.push({ key: headerKey.toString('utf8'), value: varintBytes(record) });
    }
    records.push({
      offsetDelta,
      timestamp: header.firstTimestamp + timestampDelta,
      key,
      value,
      headers,
    });
  }
  return records;
}

function varintBytes(reader: Reader): Buffer | null {
  const length = reader.varint();
  return length < 0 ? null : reader.take(length);
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli), the checksum of record batches. */
export function crc32c(data: Buffer): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = CRC32C_TABLE[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
