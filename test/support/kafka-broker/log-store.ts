import { ErrorCode } from './protocol/error-codes';
import { codecName } from './protocol/compression';
import type { Codec } from './protocol/compression';
import type { DecodedRecord, RecordBatchHeader, RecordHeader } from './protocol/record-batch';
import {
  compressionOf,
  decodeRecords,
  hasValidCrc,
  isControl,
  isTransactional,
  readRecordBatchHeader,
  withBaseOffset,
} from './protocol/record-batch';

/** A record as the log holds it, for tests to assert on. */
export interface StoredRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface AppendResult {
  errorCode: ErrorCode;
  baseOffset: number;
}

export interface AppendEvent {
  topic: string;
  partition: number;
  baseOffset: number;
  lastOffset: number;
}

/** A stored batch as tests see it: where it sits, its size as stored and its codec. */
export interface BatchInfo {
  baseOffset: number;
  lastOffset: number;
  /** Its size as Kafka measures it against message.max.bytes (with offset and length). */
  bytes: number;
  compression: Codec;
}

interface StoredBatch {
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  compression: Codec;
  /** The batch's bytes with its base offset already rewritten: served as they are. */
  bytes: Buffer;
  records: DecodedRecord[];
}

/** What an idempotent producer last wrote to one partition: enough to drop a retried batch. */
interface ProducerState {
  epoch: number;
  lastSequence: number;
  /** The last few batches, as many as a producer may have in flight (Kafka keeps five). */
  recent: { firstSequence: number; lastSequence: number; baseOffset: number }[];
}

const RECENT_BATCHES_KEPT = 5;
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export class PartitionLog {
  readonly batches: StoredBatch[] = [];
  private startOffset = 0;
  private nextOffset = 0;
  private bytesHeld = 0;
  private readonly producers = new Map<number, ProducerState>();

  constructor(
    readonly topic: string,
    readonly index: number,
  ) {}

  get highWatermark(): number {
    return this.nextOffset;
  }

  /**
   * The first offset the log still holds (Kafka's log start offset): 0 until retention or
   * deleteRecordsBefore() removed the records before it. ListOffsets earliest answers it, and a
   * fetch below it gets OFFSET_OUT_OF_RANGE.
   */
  get logStartOffset(): number {
    return this.startOffset;
  }

  /** The bytes the log holds, batches as stored (what retention.bytes bounds). */
  get size(): number {
    return this.bytesHeld;
  }

  /**
   * Deletes the records before `offset` (Kafka's DeleteRecords): batches wholly before it go,
   * and the log start offset becomes `offset` (a batch that straddles it stays, and a fetch
   * from the log start offset gets it whole, as from Kafka). An offset at or below the log
   * start offset changes nothing; one above the high watermark is refused with
   * OFFSET_OUT_OF_RANGE, as Kafka does. Answers the log start offset.
   */
  deleteRecordsBefore(offset: number): { errorCode: ErrorCode; logStartOffset: number } {
    if (!Number.isInteger(offset) || offset < 0 || offset > this.nextOffset) {
      return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, logStartOffset: this.startOffset };
    }
    if (offset > this.startOffset) {
      let gone = 0;
      while (gone < this.batches.length && this.batches[gone].lastOffset < offset) {
        this.bytesHeld -= this.batches[gone].bytes.length;
        gone++;
      }
      this.batches.splice(0, gone);
      this.startOffset = offset;
    }
    return { errorCode: ErrorCode.NONE, logStartOffset: this.startOffset };
  }

  /**
   * Kafka's retention with each stored batch as a segment: by time, the oldest batches whose
   * largest timestamp is more than `retentionMs` before `now`; by size, the oldest batches as
   * long as what stays is still at least `retentionBytes` (Kafka's rule). -1 (or unset) keeps
   * everything. Even the newest batch may go, as Kafka rolls and deletes an expired active
   * segment: the log start offset is then the high watermark. Answers how many records went.
   */
  applyRetention(configs: TopicConfigs, now: number): number {
    const before = this.startOffset;
    const retentionMs = configs.retentionMs ?? -1;
    const retentionBytes = configs.retentionBytes ?? -1;
    if (retentionMs < 0 && retentionBytes < 0) return 0;
    let deleteBefore = this.startOffset;
    let excess = retentionBytes >= 0 ? this.size - retentionBytes : 0;
    for (const batch of this.batches) {
      const expired = retentionMs >= 0 && now - batch.maxTimestamp > retentionMs;
      const oversize = retentionBytes >= 0 && excess - batch.bytes.length >= 0;
      if (!expired && !oversize) break;
      excess -= batch.bytes.length;
      deleteBefore = batch.lastOffset + 1;
    }
    if (deleteBefore > this.startOffset) this.deleteRecordsBefore(deleteBefore);
    return this.startOffset - before;
  }

  /**
   * Appends one batch as Kafka's log would: magic 2 only, CRC checked, and for an idempotent
   * producer (producerId >= 0) sequence numbers checked, so a retried batch is answered with the
   * offset it was first stored at instead of being stored twice.
   */
  append(batch: Buffer): AppendResult & { appended: boolean } {
    const header = readRecordBatchHeader(batch);
    if (header.magic !== 2) return rejected(ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT);
    if (!hasValidCrc(batch)) return rejected(ErrorCode.CORRUPT_MESSAGE);
    if (isTransactional(header) || isControl(header)) return rejected(ErrorCode.INVALID_REQUEST);
    if (header.recordCount !== header.lastOffsetDelta + 1) {
      return rejected(ErrorCode.CORRUPT_MESSAGE);
    }
    const compression = codecName(compressionOf(header));
    if (compression === undefined) return rejected(ErrorCode.CORRUPT_MESSAGE);
    // Decoded once, for records() and ListOffsets by time; what is served are the bytes as
    // produced. Kafka refuses a batch whose records do not decompress: so does this log.
    let records: DecodedRecord[];
    try {
      records = decodeRecords(batch);
    } catch {
      return rejected(ErrorCode.CORRUPT_MESSAGE);
    }

    if (header.producerId >= 0) {
      const check = this.checkSequence(header);
      if (check !== null) return { ...check, appended: false };
    }

    const baseOffset = this.nextOffset;
    const lastOffset = baseOffset + header.lastOffsetDelta;
    const bytes = withBaseOffset(batch, baseOffset);
    this.batches.push({
      baseOffset,
      lastOffset,
      maxTimestamp: header.maxTimestamp,
      compression,
      bytes,
      records,
    });
    this.bytesHeld += bytes.length;
    this.nextOffset = lastOffset + 1;
    if (header.producerId >= 0) this.rememberSequence(header, baseOffset);
    return { errorCode: ErrorCode.NONE, baseOffset, appended: true };
  }

  /** The stored batches from the one holding `fetchOffset` on, within `maxBytes`. */
  read(fetchOffset: number, maxBytes: number, atLeastOne: boolean): Buffer[] {
    const batches: Buffer[] = [];
    let size = 0;
    for (let i = this.batchIndexFor(fetchOffset); i < this.batches.length; i++) {
      const bytes = this.batches[i].bytes;
      const first = atLeastOne && batches.length === 0;
      if (!first && size + bytes.length > maxBytes) break;
      batches.push(bytes);
      size += bytes.length;
    }
    return batches;
  }

  /** The first offset whose record has a timestamp at or after `timestamp`, else the end. */
  offsetForTimestamp(timestamp: number): number {
    for (const batch of this.batches) {
      if (batch.maxTimestamp < timestamp) continue;
      const record = batch.records.find((r) => r.timestamp >= timestamp);
      return record ? batch.baseOffset + record.offsetDelta : batch.baseOffset;
    }
    return this.nextOffset;
  }

  /** The stored batches: offsets, size and codec, for assertions. */
  batchInfo(): BatchInfo[] {
    return this.batches.map(({ baseOffset, lastOffset, bytes, compression }) => ({
      baseOffset,
      lastOffset,
      bytes: bytes.length,
      compression,
    }));
  }

  records(): StoredRecord[] {
    return this.batches.flatMap((batch) => {
      return batch.records.map((record) => ({
        topic: this.topic,
        partition: this.index,
        offset: batch.baseOffset + record.offsetDelta,
        timestamp: record.timestamp,
        key: record.key,
        value: record.value,
        headers: record.headers,
      }));
    });
  }

  private batchIndexFor(offset: number): number {
    const index = this.batches.findIndex((batch) => batch.lastOffset >= offset);
    return index < 0 ? this.batches.length : index;
  }

  private checkSequence(header: RecordBatchHeader): AppendResult | null {
    const state = this.producers.get(header.producerId);
    const lastSequence = addSequence(header.baseSequence, header.lastOffsetDelta);
    if (state === undefined || header.producerEpoch > state.epoch) {
      // A new producer, or a new epoch of one, starts its sequence at 0.
      return header.baseSequence === 0 ? null : refused(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    }
    if (header.producerEpoch < state.epoch) return refused(ErrorCode.INVALID_PRODUCER_EPOCH);
    const duplicate = state.recent.find(
      (batch) => batch.firstSequence === header.baseSequence && batch.lastSequence === lastSequence,
    );
    if (duplicate) return { errorCode: ErrorCode.NONE, baseOffset: duplicate.baseOffset };
    if (header.baseSequence !== addSequence(state.lastSequence, 1)) {
      return refused(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    }
    return null;
  }

  private rememberSequence(header: RecordBatchHeader, baseOffset: number): void {
    const state = this.producers.get(header.producerId);
    const fresh = state === undefined || header.producerEpoch > state.epoch;
    const next: ProducerState = fresh
      ? { epoch: header.producerEpoch, lastSequence: -1, recent: [] }
      : state;
    next.lastSequence = addSequence(header.baseSequence, header.lastOffsetDelta);
    next.recent.push({
      firstSequence: header.baseSequence,
      lastSequence: next.lastSequence,
      baseOffset,
    });
    if (next.recent.length > RECENT_BATCHES_KEPT) next.recent.shift();
    this.producers.set(header.producerId, next);
  }
}

/** The topic configs the test broker honours (others are accepted and ignored). */
export interface TopicConfigs {
  /** `max.message.bytes`: this topic's limit on a record batch, over the broker's. */
  maxMessageBytes?: number;
  /** `retention.ms`: batches whose newest record is older than this are deleted; -1 never. */
  retentionMs?: number;
  /** `retention.bytes`: a partition's oldest batches go while it holds more; -1 never. */
  retentionBytes?: number;
  /** Other Kafka topic configs it was created with: described, otherwise ignored. */
  other?: Record<string, string>;
}

export class Topic {
  readonly partitions: PartitionLog[];

  constructor(
    readonly name: string,
    partitionCount: number,
    public configs: TopicConfigs = {},
  ) {
    this.partitions = Array.from({ length: partitionCount }, (_, i) => new PartitionLog(name, i));
  }
}

interface AppendWaiter {
  keys: ReadonlySet<string>;
  wake: () => void;
}

/** Every topic's partitions, in memory; kept across goAway/comeBack like a broker's disk. */
export class LogStore {
  private readonly topics = new Map<string, Topic>();
  private readonly waiters = new Set<AppendWaiter>();
  private readonly appendListeners = new Set<(event: AppendEvent) => void>();

  static isValidTopicName(name: string): boolean {
    return TOPIC_NAME.test(name) && name !== '.' && name !== '..';
  }

  createTopic(name: string, partitions: number, configs: TopicConfigs = {}): Topic {
    if (!LogStore.isValidTopicName(name)) throw new Error(`invalid topic name ${name}`);
    if (this.topics.has(name)) throw new Error(`topic ${name} already exists`);
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new Error(`topic ${name}: partitions must be a positive integer, not ${partitions}`);
    }
    const topic = new Topic(name, partitions, configs);
    this.topics.set(name, topic);
    return topic;
  }

  topic(name: string): Topic | undefined {
    return this.topics.get(name);
  }

  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  partition(topic: string, partition: number): PartitionLog | undefined {
    return this.topics.get(topic)?.partitions[partition];
  }

  /**
   * Deletes the records of one partition before `offset` (Kafka's DeleteRecords; public for
   * tests that need a log whose start moved, e.g. to show a consumer catching up after
   * retention): see PartitionLog.deleteRecordsBefore.
   */
  deleteRecordsBefore(
    topic: string,
    partition: number,
    offset: number,
  ): { errorCode: ErrorCode; logStartOffset: number } {
    const log = this.partition(topic, partition);
    if (!log) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, logStartOffset: -1 };
    return log.deleteRecordsBefore(offset);
  }

  /** Applies every topic's retention.ms and retention.bytes as of `now`. */
  enforceRetention(now = Date.now()): void {
    for (const topic of this.topics.values()) {
      for (const log of topic.partitions) log.applyRetention(topic.configs, now);
    }
  }

  append(topic: string, partition: number, batches: readonly Buffer[]): AppendResult {
    const stored = this.topics.get(topic);
    const log = stored?.partitions[partition];
    if (!stored || !log) return refused(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    let first: AppendResult | null = null;
    for (const batch of batches) {
      const result = log.append(batch);
      if (result.errorCode !== ErrorCode.NONE) return refused(result.errorCode);
      first ??= { errorCode: ErrorCode.NONE, baseOffset: result.baseOffset };
      if (result.appended) {
        this.notify({
          topic,
          partition,
          baseOffset: result.baseOffset,
          lastOffset: log.highWatermark - 1,
        });
      }
    }
    // Retention is checked after every append too (besides the broker's periodic check), so a
    // size limit holds as soon as it is passed.
    if (first) log.applyRetention(stored.configs, Date.now());
    return first ?? refused(ErrorCode.CORRUPT_MESSAGE);
  }

  /** Called synchronously after each append, before the producer is answered. */
  onAppend(listener: (event: AppendEvent) => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** How many long-polling fetches are waiting for an append. */
  get waiting(): number {
    return this.waiters.size;
  }

  /** Resolves when one of the partitions gets a batch, the time is up, or `signal` aborts. */
  waitForAppend(keys: ReadonlySet<string>, timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted || timeoutMs <= 0) return resolve();
      const waiter: AppendWaiter = { keys, wake: () => finish() };
      const timer = setTimeout(() => finish(), timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', waiter.wake);
        this.waiters.delete(waiter);
        resolve();
      };
      signal.addEventListener('abort', waiter.wake);
      this.waiters.add(waiter);
    });
  }

  private notify(event: AppendEvent): void {
    const key = partitionKey(event.topic, event.partition);
    for (const waiter of [...this.waiters]) if (waiter.keys.has(key)) waiter.wake();
    for (const listener of [...this.appendListeners]) listener(event);
  }
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function rejected(errorCode: ErrorCode): AppendResult & { appended: boolean } {
  return { errorCode, baseOffset: -1, appended: false };
}

function refused(errorCode: ErrorCode): AppendResult {
  return { errorCode, baseOffset: -1 };
}

/** Sequence numbers are int32s that wrap to 0 past the maximum. */
function addSequence(sequence: number, increment: number): number {
  return (sequence + increment) % 2 ** 31;
}
