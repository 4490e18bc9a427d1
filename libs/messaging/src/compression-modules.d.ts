// Types for the untyped compression packages the Kafka codecs use (codecs.ts).

declare module 'lz4js' {
  /** An LZ4 frame (the format Kafka's record batches use) of `src`. */
  export function compress(src: Uint8Array): Uint8Array;
  /** The bytes of an LZ4 frame. */
  export function decompress(src: Uint8Array): Uint8Array;
}

declare module 'kafkajs-snappy' {
  /** kafkajs's codec factory: raw Snappy out; raw or xerial-framed Snappy in. */
  const SnappyCodec: () => {
    compress(encoder: { buffer: Buffer }): Promise<Buffer>;
    decompress(buffer: Buffer): Promise<Buffer>;
  };
  export default SnappyCodec;
}
