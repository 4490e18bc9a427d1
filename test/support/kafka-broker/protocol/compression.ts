import { gunzipSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { decompress as lz4Decompress } from 'lz4js';
import { uncompress as snappyUncompress } from 'snappyjs';

/** The codec in a record batch's attributes (bits 0-2), as Kafka numbers them. */
export const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type Codec = (typeof CODECS)[number];

export function codecName(codec: number): Codec | undefined {
  return CODECS[codec];
}

/** Java's snappy-java framing ("xerial"): a magic header, then length-prefixed raw blocks. */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_LENGTH = 16;

function unsnappy(body: Buffer): Buffer {
  if (!body.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) {
    return Buffer.from(snappyUncompress(body));
  }
  const blocks: Buffer[] = [];
  for (let at = XERIAL_HEADER_LENGTH; at + 4 <= body.length;) {
    const size = body.readUInt32BE(at);
    at += 4;
    blocks.push(Buffer.from(snappyUncompress(body.subarray(at, at + size))));
    at += size;
  }
  return Buffer.concat(blocks);
}

/**
 * The records of a compressed batch, for records() and ListOffsets by timestamp only: the
 * broker stores and serves batches as produced and never needs their records otherwise. The
 * packages are the ones the project's own codecs use; decoding librdkafka's batches (kcat -z)
 * in the specs checks both against a client that shares no code with them.
 */
export function decompressRecords(codec: number, body: Buffer): Buffer {
  switch (codecName(codec)) {
    case 'none':
      return body;
    case 'gzip':
      return gunzipSync(body);
    case 'snappy':
      return unsnappy(body);
    case 'lz4':
      return Buffer.from(lz4Decompress(body));
    case 'zstd':
      return Buffer.from(zstdDecompress(body));
    default:
      throw new Error(`compression codec ${codec} does not exist`);
  }
}
