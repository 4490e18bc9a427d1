import { TOPICS } from '@cm/contracts';
import { compareCheckpoints } from '@cm/event-store';
import type { Checkpoint, StoredEvent } from '@cm/event-store';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import { advanceProgress, loadProgress, ProgressMovedError } from './consumer-progress';
import type { MessagingLog } from './kafka-connection';
import { RenewableProducer } from './renewable-producer';
import { checkpointOfEvent, decodeReportMessage } from './report-message';

/** A partition's new events, handed to the handler inside the transaction that records them. */
export interface ConsumedBatch {
  topic: string;
  partition: number;
  /** Events after the partition's progress, in the store's read order; never empty. */
  events: StoredEvent[];
  /** The partition's progress before these events (the store checkpoint they follow). */
  progress: Checkpoint;
  /** Write through it: the writes and the new progress commit together, or neither does. */
  tx: PoolClient;
}

export interface ReportConsumerOptions {
  kafka: Kafka;
  pool: Pool;
  /** The consumer group, also the name of its progress rows (`projector`, `alerter`). */
  groupId: string;
  topic?: string;
  handle: (batch: ConsumedBatch) => Promise<void>;
  /**
   * Called in each batch's transaction before anything is read; throw a TransientError to make
   * the batch wait and retry (e.g. while a rebuild holds the read models).
   */
  beforeBatch?: (tx: PoolClient) => Promise<void>;
  /** Tries of a message's handling before it goes to the dead-letter topic (default 3). */
  maxTries?: number;
  /** Back-off between tries, doubling (default 100 ms up to 5 s). */
  retry?: { initialMs?: number; maxMs?: number };
  /** Events per transaction at most (default 1000). */
  chunkSize?: number;
  /** Partitions handled at the same time by this member (default 4). */
  partitionsConsumedConcurrently?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  rebalanceTimeoutMs?: number;
  /** Told of the partitions this member holds after every rebalance. */
  onAssignment?: (partitions: readonly number[]) => void;
  /** Told after each committed transaction, with the events it handled (duplicates dropped). */
  onHandled?: (batch: {
    partition: number;
    events: readonly StoredEvent[];
    duplicates: number;
  }) => void;
  /** Told of every message sent to the dead-letter topic. */
  onDeadLetter?: (entry: { partition: number; offset: string; error: unknown }) => void;
  log?: MessagingLog;
}

/** A failure that is not the message's fault (database down, a rebuild running): wait, retry. */
export class TransientError extends Error {
  override readonly name = 'TransientError';
}

/** The partition was taken from this member mid-batch: stop without resolving anything. */
class PartitionLostError extends Error {
  override readonly name = 'PartitionLostError';
}

type Decoded =
  | { kind: 'event'; message: KafkaMessage; event: StoredEvent }
  | { kind: 'poison'; message: KafkaMessage; error: unknown };

/**
 * A kafkajs consumer group on `conflict.reports.v1` whose progress lives in PostgreSQL with the
 * handler's writes (table kafka_consumer_progress). Each partition's messages arrive in the
 * store's read order (the relay publishes in it and a partition keeps order), so everything at
 * or before the partition's progress is a duplicate and is dropped: the relay's republished
 * tail, a redelivery after a rebalance or a crash before Kafka's offset commit. Kafka's own
 * committed offsets only say where fetching starts; they are committed after the database.
 *
 * Failures: a message that cannot be decoded goes to `conflict.reports.dlq.v1` at once. A batch
 * whose handling fails is retried with a back-off, then split into single messages; a message
 * that still fails after `maxTries` goes to the dead-letter topic with the error in its headers
 * and its progress is moved past it, and the partition moves on. Failures that are not the
 * message's (the database unreachable, a TransientError) are retried while the partition is
 * ours, heartbeating, without using up tries: dead-lettering every message of an outage would
 * be worse than waiting. Nothing else is retried without bound.
 */
export class ReportConsumer {
  private consumer: Consumer | undefined;
  private deadLetters: RenewableProducer | undefined;
  private readonly topic: string;
  private readonly maxTries: number;
  private readonly chunkSize: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private stopping = false;
  private assignment: readonly number[] = [];

  constructor(private readonly options: ReportConsumerOptions) {
    this.topic = options.topic ?? TOPICS.reports;
    this.maxTries = options.maxTries ?? 3;
    this.chunkSize = options.chunkSize ?? 1000;
    this.retryInitialMs = options.retry?.initialMs ?? 100;
    this.retryMaxMs = options.retry?.maxMs ?? 5000;
  }

  async start(): Promise<void> {
    if (this.consumer) return;
    this.stopping = false;
    const { kafka } = this.options;
    const deadLetters = new RenewableProducer(kafka);
    await deadLetters.connect();
    this.deadLetters = deadLetters;
    const consumer = kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: this.options.heartbeatIntervalMs ?? 3000,
      rebalanceTimeout: this.options.rebalanceTimeoutMs ?? 60_000,
      allowAutoTopicCreation: false,
      // A fetch answers as soon as anything is there; long polls otherwise (low latency).
      maxWaitTimeInMs: 500,
      // kafkajs restarts a crashed consumer on a timer, even when the crash came from our own
      // stop() (a broker gone while it disconnects): the restart would then reconnect and
      // retry forever after the app has closed. Never restart once stopping.
      retry: { retries: 5, restartOnFailure: async () => !this.stopping },
    });
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.assignment = [...(event.payload.memberAssignment[this.topic] ?? [])].sort(
        (a, b) => a - b,
      );
      this.options.onAssignment?.(this.assignment);
    });
    consumer.on(consumer.events.CRASH, (event) =>
      this.options.log?.('error', `kafka consumer ${this.options.groupId} crashed`, {
        err: event.payload.error,
        restart: event.payload.restart,
      }),
    );
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: true,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 4,
      eachBatch: (payload) => this.eachBatch(payload),
    });
    this.consumer = consumer;
  }

  /** Leaves the group (a rebalance hands the partitions on) and closes the producer. */
  async stop(): Promise<void> {
    this.stopping = true;
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect();
    const deadLetters = this.deadLetters;
    this.deadLetters = undefined;
    await deadLetters?.disconnect();
  }

  /** The partitions this member holds since the last rebalance. */
  assignedPartitions(): readonly number[] {
    return this.assignment;
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const decoded: Decoded[] = batch.messages.map((message) => {
      try {
        return { kind: 'event', message, event: decodeReportMessage(message) };
      } catch (error) {
        return { kind: 'poison', message, error };
      }
    });
    try {
      let chunk: Extract<Decoded, { kind: 'event' }>[] = [];
      const flush = async (): Promise<void> => {
        if (chunk.length === 0) return;
        const handling = chunk;
        chunk = [];
        await this.handleChunk(payload, handling);
      };
      for (const entry of decoded) {
        if (entry.kind === 'event') {
          chunk.push(entry);
          if (chunk.length >= this.chunkSize) await flush();
          continue;
        }
        await flush();
        await this.deadLetter(payload, entry.message, entry.error, 1);
        payload.resolveOffset(entry.message.offset);
      }
      await flush();
      await payload.commitOffsetsIfNecessary();
    } catch (error) {
      if (error instanceof PartitionLostError) return;
      throw error;
    }
  }

  /** Handles a run of decoded events, retrying, splitting and dead-lettering as above. */
  private async handleChunk(
    payload: EachBatchPayload,
    chunk: Extract<Decoded, { kind: 'event' }>[],
  ): Promise<void> {
    let tries = 0;
    let waits = 0;
    for (;;) {
      this.assertOurs(payload);
      try {
        await this.handleInTransaction(payload.batch.topic, payload.batch.partition, chunk);
        payload.resolveOffset(chunk[chunk.length - 1].message.offset);
        await payload.heartbeat().catch(() => undefined);
        return;
      } catch (error) {
        if (isTransient(error)) {
          waits++;
          if (waits === 1 || waits % 20 === 0) {
            this.options.log?.('warn', `kafka consumer ${this.options.groupId}: waiting to retry`, {
              partition: payload.batch.partition,
              err: error,
            });
          }
          await this.pause(payload, waits);
          continue;
        }
        tries++;
        if (tries < this.maxTries) {
          await this.pause(payload, tries);
          continue;
        }
        if (chunk.length > 1) {
          // One bad message must not hold back the others: find it by trying each alone.
          for (const single of chunk) await this.handleChunk(payload, [single]);
          return;
        }
        const [only] = chunk;
        await this.deadLetter(payload, only.message, error, tries);
        await this.skipPast(payload, only.event);
        payload.resolveOffset(only.message.offset);
        return;
      }
    }
  }

  private async handleInTransaction(
    topic: string,
    partition: number,
    chunk: Extract<Decoded, { kind: 'event' }>[],
  ): Promise<void> {
    const tx = await this.options.pool.connect();
    let broken = false;
    try {
      await tx.query('BEGIN');
      try {
        await this.options.beforeBatch?.(tx);
        const progress = await loadProgress(tx, this.options.groupId, topic, partition);
        // Against the furthest event so far, not only the stored progress: a fetch can hold an
        // event and its republished copy (the relay's repeated tail) together.
        const events: StoredEvent[] = [];
        let after = progress.effective;
        for (const { event } of chunk) {
          const at = checkpointOfEvent(event);
          if (compareCheckpoints(at, after) > 0) {
            events.push(event);
            after = at;
          }
        }
        if (events.length > 0) {
          await this.options.handle({ topic, partition, events, progress: progress.effective, tx });
          const last = checkpointOfEvent(events[events.length - 1]);
          await advanceProgress(tx, this.options.groupId, topic, partition, progress.own, last);
        }
        await tx.query('COMMIT');
        this.options.onHandled?.({ partition, events, duplicates: chunk.length - events.length });
      } catch (error) {
        await tx.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      }
    } catch (error) {
      if (isConnectionError(error)) broken = true;
      throw error;
    } finally {
      tx.release(broken);
    }
  }

  /** Moves the progress past a dead-lettered event, so a redelivery drops it as a duplicate. */
  private async skipPast(payload: EachBatchPayload, event: StoredEvent): Promise<void> {
    const { topic, partition } = payload.batch;
    for (let waits = 1; ; waits++) {
      this.assertOurs(payload);
      const tx = await this.options.pool.connect().catch((error: unknown) => error as Error);
      if (tx instanceof Error) {
        await this.pause(payload, waits);
        continue;
      }
      try {
        await tx.query('BEGIN');
        const progress = await loadProgress(tx, this.options.groupId, topic, partition);
        const to = checkpointOfEvent(event);
        if (compareCheckpoints(to, progress.effective) > 0) {
          await advanceProgress(tx, this.options.groupId, topic, partition, progress.own, to);
        }
        await tx.query('COMMIT');
        tx.release();
        return;
      } catch (error) {
        await tx.query('ROLLBACK').catch(() => undefined);
        tx.release(isConnectionError(error));
        this.options.log?.('warn', 'kafka consumer: moving past a dead letter failed; retrying', {
          err: error,
        });
        await this.pause(payload, waits);
      }
    }
  }

  private async deadLetter(
    payload: EachBatchPayload,
    message: KafkaMessage,
    error: unknown,
    attempts: number,
  ): Promise<void> {
    const { topic, partition } = payload.batch;
    const failure = error instanceof Error ? error : new Error(String(error));
    this.options.log?.('error', `kafka consumer ${this.options.groupId}: message dead-lettered`, {
      topic,
      partition,
      offset: message.offset,
      err: failure,
    });
    const headers: Record<string, string | Buffer> = {};
    for (const [name, value] of Object.entries(message.headers ?? {})) {
      const first = Array.isArray(value) ? value[0] : value;
      if (first !== undefined) headers[name] = first;
    }
    Object.assign(headers, {
      'dlq-error': failure.message.slice(0, 2000),
      'dlq-error-name': failure.name,
      'dlq-attempts': String(attempts),
      'dlq-consumer-group': this.options.groupId,
      'dlq-source-topic': topic,
      'dlq-source-partition': String(partition),
      'dlq-source-offset': message.offset,
      'dlq-failed-at': new Date().toISOString(),
    });
    for (let waits = 1; ; waits++) {
      this.assertOurs(payload);
      try {
        await this.deadLetters!.send({
          topic: TOPICS.reportsDlq,
          acks: -1,
          messages: [{ key: message.key, value: message.value, headers }],
        });
        break;
      } catch (sendError) {
        // The producer is taken afresh (RenewableProducer): the next dead letter must not
        // reuse this one's sequence number.
        this.options.log?.('warn', 'kafka consumer: dead-letter publish failed; retrying', {
          err: sendError,
        });
        await this.pause(payload, waits);
      }
    }
    this.options.onDeadLetter?.({ partition, offset: message.offset, error: failure });
  }

  private assertOurs(payload: EachBatchPayload): void {
    if (this.stopping || !payload.isRunning() || payload.isStale()) {
      throw new PartitionLostError('the partition is no longer ours');
    }
  }

  /** Back-off `attempt` (1, 2, ...), heartbeating so the group keeps the partition with us. */
  private async pause(payload: EachBatchPayload, attempt: number): Promise<void> {
    let left = Math.min(this.retryInitialMs * 2 ** Math.min(attempt - 1, 16), this.retryMaxMs);
    while (left > 0) {
      const step = Math.min(left, 1000);
      await new Promise((resolve) => setTimeout(resolve, step));
      left -= step;
      await payload.heartbeat().catch(() => undefined);
      this.assertOurs(payload);
    }
  }
}

/** SQLSTATE classes of failures that are the database's, not the message's. */
const TRANSIENT_SQLSTATE = /^(08|53|57P0|57014|40001|40P01|55P03)/;
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || /^(08|57P0)/.test(code))) {
    return true;
  }
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(
    message,
  );
}

function isTransient(error: unknown): boolean {
  if (error instanceof TransientError || error instanceof ProgressMovedError) return true;
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && TRANSIENT_SQLSTATE.test(code)) return true;
  return isConnectionError(error);
}
