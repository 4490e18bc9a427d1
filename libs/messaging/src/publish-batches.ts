import type { IHeaders, Message } from 'kafkajs';

/** The default cap on one produced record batch (bytes), under Kafka's default 1,048,588. */
export { DEFAULT_KAFKA_MAX_MESSAGE_BYTES as DEFAULT_MAX_MESSAGE_BYTES } from '@cm/platform';

/** A record batch's fixed part: base offset, length, epoch, magic, CRC, ... (Kafka's 61). */
const BATCH_OVERHEAD = 61;
/**
 * A record's framing at its largest: length (varint, 5), attributes (1), timestamp delta
 * (varlong, 10), offset delta (5), key and value lengths (5 each), header count (5).
 */
const RECORD_OVERHEAD = 36;
/** A header's framing at its largest: key and value lengths (varints, 5 each). */
const HEADER_OVERHEAD = 10;

/** An event whose message alone would not fit in a batch under the cap: it is parked. */
export class OversizeMessageError extends Error {
  override readonly name = 'OversizeMessageError';
  /** As the broker's refusal (publish-failure.ts): the message's fault, never the cluster's. */
  readonly type = 'MESSAGE_TOO_LARGE';
  constructor(
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(
      `the message takes ${bytes} bytes in a record batch, more than the ${maxBytes} bytes ` +
        `KAFKA_MAX_MESSAGE_BYTES allows: it is never sent (a broker would refuse it as larger ` +
        `than the max message size)`,
    );
  }
}

function byteLength(value: Buffer | string | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return Buffer.isBuffer(value) ? value.length : Buffer.byteLength(value, 'utf8');
}

/**
 * What `message` adds to an uncompressed record batch, at most: every varint taken at its
 * widest, so the estimate is never below what kafkajs encodes.
 */
export function recordBytes(message: Message): number {
  let bytes = RECORD_OVERHEAD + byteLength(message.key) + byteLength(message.value);
  const headers: IHeaders = message.headers ?? {};
  for (const [key, value] of Object.entries(headers)) {
    const values = Array.isArray(value) ? value : [value];
    for (const one of values) bytes += HEADER_OVERHEAD + byteLength(key) + byteLength(one);
  }
  return bytes;
}

/**
 * Splits messages (each with its partition set) into consecutive sends such that, in every
 * send, each partition's record batch stays at or under `maxBytes` before compression. Kafka
 * applies `message.max.bytes` to each partition's batch as it arrives (compressed, so this is
 * on the safe side whenever compression shrinks the batch, as it does for JSON); kafkajs makes
 * one batch per partition per send. Order is kept: the sends go out one after the other, so
 * each partition still gets its messages in the order given. Throws OversizeMessageError,
 * before anything is sent, when one message cannot fit in a batch on its own.
 */
export function splitIntoSends(messages: readonly Message[], maxBytes: number): Message[][] {
  for (const message of messages) {
    const bytes = BATCH_OVERHEAD + recordBytes(message);
    if (bytes > maxBytes) throw new OversizeMessageError(bytes, maxBytes);
  }
  const sends: Message[][] = [];
  let current: Message[] = [];
  let sizes = new Map<number, number>();
  for (const message of messages) {
    const partition = message.partition ?? -1;
    const bytes = recordBytes(message);
    const size = sizes.get(partition) ?? BATCH_OVERHEAD;
    if (size + bytes > maxBytes && current.length > 0) {
      sends.push(current);
      current = [];
      sizes = new Map();
    }
    current.push(message);
    sizes.set(partition, (sizes.get(partition) ?? BATCH_OVERHEAD) + bytes);
  }
  if (current.length > 0) sends.push(current);
  return sends;
}
