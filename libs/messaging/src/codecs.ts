import { compress as zstdCompress, init as initZstd } from '@bokuweb/zstd-wasm';
import { decompress as zstdDecompress } from 'fzstd';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import SnappyCodec from 'kafkajs-snappy';
import type { KafkaCompression } from '@cm/platform';

export { DEFAULT_KAFKA_COMPRESSION } from '@cm/platform';
import { compress as lz4Compress, decompress as lz4Decompress } from 'lz4js';

/** What kafkajs asks of a codec: the record batch's records in, compressed bytes out, and back. */
interface KafkaCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/** KAFKA_COMPRESSION's value as kafkajs's producer option. */
export function compressionType(compression: KafkaCompression): CompressionTypes {
  switch (compression) {
    case 'none':
      return CompressionTypes.None;
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'snappy':
      return CompressionTypes.Snappy;
    case 'lz4':
      return CompressionTypes.LZ4;
    case 'zstd':
      return CompressionTypes.ZSTD;
  }
}

/**
 * LZ4 frames, as Kafka's magic-2 record batches hold them (Java and librdkafka write the
 * standard frame format). lz4js is plain JavaScript: nothing to build or download at install.
 */
const lz4Codec = (): KafkaCodec => ({
  compress: async (encoder) => Buffer.from(lz4Compress(encoder.buffer)),
  decompress: async (buffer) => Buffer.from(lz4Decompress(buffer)),
});

let zstdReady: Promise<void> | undefined;

/**
 * ZSTD: fzstd (plain JavaScript) decompresses any frame, also the ones Java's streaming
 * encoder writes without a content size; zstd-wasm (WebAssembly shipped in its package)
 * compresses, at zstd's default level 3 as Kafka's producers do.
 */
const zstdCodec = (): KafkaCodec => ({
  compress: async (encoder) => {
    zstdReady ??= initZstd();
    await zstdReady;
    return Buffer.from(zstdCompress(encoder.buffer, 3));
  },
  decompress: async (buffer) => Buffer.from(zstdDecompress(buffer)),
});

let registered = false;

/**
 * Teaches kafkajs (which ships only gzip) Snappy, LZ4 and ZSTD. Without them one compressed
 * batch from another client (kcat, librdkafka, Java, kafka-python) or from a broker or topic
 * `compression.type` stops a consumer on that partition for good. kafkajs keeps codecs in a
 * module-wide table, so once per process is enough; createKafka calls it.
 */
export function registerCompressionCodecs(): void {
  if (registered) return;
  registered = true;
  const codecs = CompressionCodecs as Record<CompressionTypes, () => KafkaCodec>;
  codecs[CompressionTypes.Snappy] = SnappyCodec;
  codecs[CompressionTypes.LZ4] = lz4Codec;
  codecs[CompressionTypes.ZSTD] = zstdCodec;
}
