/**
 * Types for the few kafkajs internals the test broker reuses: its primitive encoder/decoder and
 * its record decoder. kafkajs ships no declarations for `kafkajs/src/**`; these cover only what
 * the broker calls.
 */
declare module 'kafkajs/src/protocol/encoder' {
  class Encoder {
    constructor(initialSize?: number);
    readonly buffer: Buffer;
    size(): number;
    writeInt8(value: number): this;
    writeInt16(value: number): this;
    writeInt32(value: number): this;
    writeUInt32(value: number): this;
    writeInt64(value: number | bigint | string): this;
    writeBoolean(value: boolean): this;
    writeString(value: string | null): this;
    writeBytes(value: Buffer | string | null): this;
    writeBuffer(value: Buffer): this;
    writeEncoder(value: Encoder): this;
    writeArray(array: Encoder[] | number[] | string[], type?: 'int32' | 'string' | 'object'): this;
  }
  export = Encoder;
}

declare module 'kafkajs/src/protocol/decoder' {
  class Decoder {
    constructor(buffer: Buffer);
    buffer: Buffer;
    offset: number;
    canReadBytes(length: number): boolean;
    readInt8(): number;
    readInt16(): number;
    readInt32(): number;
    readInt64(): bigint;
    readBoolean(): boolean;
    readString(): string | null;
    readBytes(length?: number): Buffer | null;
    readVarIntBytes(): Buffer | null;
    readArray<T>(reader: (decoder: Decoder) => T): T[];
    readAll(): Buffer;
  }
  export = Decoder;
}

declare module 'kafkajs/src/protocol/recordBatch/record/v0/decoder' {
  import type Decoder from 'kafkajs/src/protocol/decoder';
  interface DecodedRecord {
    offset: string;
    timestamp: string;
    key: Buffer | null;
    value: Buffer | null;
    headers: Record<string, Buffer | Buffer[]>;
  }
  function decodeRecord(
    decoder: Decoder,
    batchContext: { firstOffset: string; firstTimestamp: string; magicByte: number },
  ): DecodedRecord;
  export = decodeRecord;
}

declare module 'kafkajs/src/protocol/recordBatch/v0' {
  import type Encoder from 'kafkajs/src/protocol/encoder';
  export function RecordBatch(options: {
    compression?: number;
    firstOffset?: number;
    firstTimestamp?: number;
    maxTimestamp?: number;
    lastOffsetDelta?: number;
    producerId?: number;
    producerEpoch?: number;
    firstSequence?: number;
    records: Encoder[];
  }): Promise<Encoder>;
}

declare module 'kafkajs/src/protocol/recordBatch/record/v0' {
  import type Encoder from 'kafkajs/src/protocol/encoder';
  function Record(options: {
    offsetDelta?: number;
    timestampDelta?: number;
    key?: string | Buffer | null;
    value?: string | Buffer | null;
    headers?: Record<string, string | Buffer>;
  }): Encoder;
  export = Record;
}
