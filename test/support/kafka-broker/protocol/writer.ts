/** Builds a response body from the Kafka protocol's big-endian primitives. */
export class Writer {
  private readonly chunks: Buffer[] = [];

  int8(value: number): this {
    const chunk = Buffer.allocUnsafe(1);
    chunk.writeInt8(value, 0);
    return this.push(chunk);
  }

  int16(value: number): this {
    const chunk = Buffer.allocUnsafe(2);
    chunk.writeInt16BE(value, 0);
    return this.push(chunk);
  }

  int32(value: number): this {
    const chunk = Buffer.allocUnsafe(4);
    chunk.writeInt32BE(value, 0);
    return this.push(chunk);
  }

  int64(value: number): this {
    const chunk = Buffer.allocUnsafe(8);
    chunk.writeBigInt64BE(BigInt(value), 0);
    return this.push(chunk);
  }

  boolean(value: boolean): this {
    return this.int8(value ? 1 : 0);
  }

  string(value: string): this {
    return this.nullableString(value);
  }

  nullableString(value: string | null): this {
    if (value === null) return this.int16(-1);
    const encoded = Buffer.from(value, 'utf8');
    return this.int16(encoded.length).push(encoded);
  }

  bytes(value: Buffer): this {
    return this.nullableBytes(value);
  }

  nullableBytes(value: Buffer | null): this {
    if (value === null) return this.int32(-1);
    return this.int32(value.length).push(value);
  }

  /** BYTES whose content is several buffers, written without concatenating them first. */
  bytesOf(parts: readonly Buffer[]): this {
    const length = parts.reduce((sum, part) => sum + part.length, 0);
    this.int32(length);
    for (const part of parts) this.push(part);
    return this;
  }

  array<T>(items: readonly T[], writeItem: (writer: this, item: T) => void): this {
    this.int32(items.length);
    for (const item of items) writeItem(this, item);
    return this;
  }

  nullableArray<T>(items: readonly T[] | null, writeItem: (writer: this, item: T) => void): this {
    if (items === null) return this.int32(-1);
    return this.array(items, writeItem);
  }

  int32Array(items: readonly number[]): this {
    return this.array(items, (writer, item) => writer.int32(item));
  }

  push(chunk: Buffer): this {
    this.chunks.push(chunk);
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
