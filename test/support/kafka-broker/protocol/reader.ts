/**
 * Reads the Kafka protocol's big-endian primitives from one request body. Every read checks
 * the bounds, so a truncated or malformed request throws a ProtocolError instead of returning
 * garbage.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

export class Reader {
  private offset = 0;

  constructor(private readonly buffer: Buffer) {}

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  int8(): number {
    return this.take(1).readInt8(0);
  }

  int16(): number {
    return this.take(2).readInt16BE(0);
  }

  int32(): number {
    return this.take(4).readInt32BE(0);
  }

  /** INT64 as a number: offsets, timestamps and producer ids stay far below 2^53 here. */
  int64(): number {
    return Number(this.take(8).readBigInt64BE(0));
  }

  boolean(): boolean {
    return this.int8() !== 0;
  }

  string(): string {
    const value = this.nullableString();
    if (value === null) throw new ProtocolError('null where a STRING was expected');
    return value;
  }

  nullableString(): string | null {
    const length = this.int16();
    if (length < 0) return null;
    return this.take(length).toString('utf8');
  }

  bytes(): Buffer {
    const value = this.nullableBytes();
    if (value === null) throw new ProtocolError('null where BYTES were expected');
    return value;
  }

  nullableBytes(): Buffer | null {
    const length = this.int32();
    if (length < 0) return null;
    return this.take(length);
  }

  array<T>(readItem: (reader: Reader) => T): T[] {
    const items = this.nullableArray(readItem);
    if (items === null) throw new ProtocolError('null where an ARRAY was expected');
    return items;
  }

  nullableArray<T>(readItem: (reader: Reader) => T): T[] | null {
    const count = this.int32();
    if (count < 0) return null;
    if (count > this.remaining) throw new ProtocolError(`array of ${count} items is truncated`);
    const items: T[] = [];
    for (let i = 0; i < count; i++) items.push(readItem(this));
    return items;
  }

  /** Zig-zag VARINT, as records inside a record batch use. */
  varint(): number {
    let shift = 0;
    let raw = 0;
    for (;;) {
      if (shift > 28) throw new ProtocolError('varint longer than 5 bytes');
      const byte = this.take(1)[0];
      raw |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
      shift += 7;
    }
    return (raw >>> 1) ^ -(raw & 1);
  }

  /** Zig-zag VARLONG as a number (timestamp deltas). */
  varlong(): number {
    let shift = 0n;
    let raw = 0n;
    for (;;) {
      if (shift > 63n) throw new ProtocolError('varlong longer than 10 bytes');
      const byte = BigInt(this.take(1)[0]);
      raw |= (byte & 0x7fn) << shift;
      if ((byte & 0x80n) === 0n) break;
      shift += 7n;
    }
    return Number((raw >> 1n) ^ -(raw & 1n));
  }

  take(length: number): Buffer {
    if (length < 0 || this.offset + length > this.buffer.length) {
      throw new ProtocolError(
        `read of ${length} bytes at ${this.offset} past the end (${this.buffer.length})`,
      );
    }
    const slice = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }
}
