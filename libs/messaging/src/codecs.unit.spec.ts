import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { KAFKA_COMPRESSIONS } from '@cm/platform';
import { compressionType, registerCompressionCodecs } from './codecs';

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

describe('Kafka compression codecs', () => {
  beforeAll(() => registerCompressionCodecs());

  // Records as a relay page holds them: JSON that repeats itself, past one LZ4 block (4 MiB).
  const records = Buffer.from(
    JSON.stringify(
      Array.from({ length: 2500 }, (_, i) => ({
        position: i,
        description: `${'x'.repeat(1900)}${i}`,
      })),
    ),
  );

  it.each([
    ['snappy', CompressionTypes.Snappy],
    ['lz4', CompressionTypes.LZ4],
    ['zstd', CompressionTypes.ZSTD],
    ['gzip', CompressionTypes.GZIP],
  ])('%s compresses a batch and gives it back byte for byte', async (_name, type) => {
    const codec = (CompressionCodecs as Record<number, () => Codec>)[type]();
    const compressed = await codec.compress({ buffer: records });
    expect(compressed.length).toBeLessThan(records.length / 4);
    expect((await codec.decompress(compressed)).equals(records)).toBe(true);
  });

  it('maps every KAFKA_COMPRESSION value to a kafkajs type with a codec', () => {
    for (const name of KAFKA_COMPRESSIONS) {
      const type = compressionType(name);
      if (name === 'none') expect(type).toBe(CompressionTypes.None);
      else expect((CompressionCodecs as Record<number, unknown>)[type]).toBeInstanceOf(Function);
    }
  });
});
