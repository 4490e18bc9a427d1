import { TOPICS } from '@cm/contracts';
import {
  compareCheckpoints,
  describeEvent,
  handleOrPark,
  isConnectionError,
  isTransientFailure,
  readEventAt,
  recordParkedEvent,
  retryRequests,
  settleRetryFailed,
  settleRetrySucceeded,
  summarizeFailure,
  TransientError,
} from '@cm/event-store';
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
  /** Told of every event parked (after its transaction committed). */
  onParked?: (entry: {
    partition: number;
    event: StoredEvent;
    error: unknown;
    attempts: number;
  }) => void;
  /** How often this member looks for retries of parked events it owns (default 1000 ms). */
  retryPollMs?: number;
  log?: MessagingLog;
}

export { TransientError };

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
 * Failures: a message that cannot be decoded goes to `conflict.reports.dlq.v1` at once (it
 * names no stored event). A batch whose handling fails is settled by the event store's parking
 * policy (handleOrPark): retried with a back-off, halved until the failing event stands alone,
 * and that event, still failing after `maxTries`, is parked: a parked_events row (subscriber =
 * the group id) written with the partition's progress moved past it, and a copy on the
 * dead-letter topic with the error in its headers. The partition moves on. Failures that are
 * not the message's (the database unreachable, a TransientError) are retried while the
 * partition is ours, heartbeating, without using up tries: parking every message of an outage
 * would be worse than waiting. Nothing else is retried without bound. Retries of parked events
 * an administrator asks for are served by the member holding the event's partition.
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
  /** Work on one partition's progress runs one at a time (live batches, parking, retries). */
  private readonly partitionQueues = new Map<number, Promise<unknown>>();
  private retryTimer: NodeJS.Timeout | undefined;
  private retrying: Promise<void> = Promise.resolve();

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
    this.retryTimer = setInterval(() => {
      this.retrying = this.retrying
        .then(() => this.serveRetries())
        .catch((error: unknown) =>
          this.options.log?.(
            'warn',
            `kafka consumer ${this.options.groupId}: serving retries failed`,
            {
              err: error,
            },
          ),
        );
    }, this.options.retryPollMs ?? 1000);
    this.retryTimer.unref();
  }

  /** Leaves the group (a rebalance hands the partitions on) and closes the producer. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.retryTimer);
    this.retryTimer = undefined;
    await this.retrying;
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

  /** Handles a run of decoded events, retrying, splitting and parking as above. */
  private async handleChunk(
    payload: EachBatchPayload,
    chunk: Extract<Decoded, { kind: 'event' }>[],
  ): Promise<void> {
    const { topic, partition } = payload.batch;
    const deadLettered = new Set<string>();
    await handleOrPark(chunk, {
      maxTries: this.maxTries,
      isTransient,
      isFatal: (error) => error instanceof PartitionLostError,
      pause: (attempt) => this.pause(payload, attempt),
      handle: async (part) => {
        this.assertOurs(payload);
        await this.handleInTransaction(topic, partition, part);
        payload.resolveOffset(part[part.length - 1].message.offset);
        await payload.heartbeat().catch(() => undefined);
      },
      park: async (only, failure) => {
        this.assertOurs(payload);
        // Once per message, however often recording the parking must be tried again.
        if (!deadLettered.has(only.message.offset)) {
          await this.deadLetter(payload, only.message, failure.error, failure.attempts);
          deadLettered.add(only.message.offset);
        }
        await this.parkPast(payload, only.event, failure);
        payload.resolveOffset(only.message.offset);
      },
      onFailure: ({ items, error, transient, tries }) =>
        this.options.log?.(
          'warn',
          `kafka consumer ${this.options.groupId}: partition ${partition} failed ${
            items.length === 1
              ? `at ${describeEvent(items[0].event)}`
              : `on ${items.length} events at positions ${items[0].event.position}..${items[items.length - 1].event.position}`
          } (${transient ? "not the events' fault: waiting to retry without using a try" : `try ${tries}`}): ${summarizeFailure(error).message}`,
          { partition, err: error },
        ),
    });
  }

  /** Runs `work` after every earlier work on `partition` in this member has ended. */
  private inPartition<T>(partition: number, work: () => Promise<T>): Promise<T> {
    const before = this.partitionQueues.get(partition) ?? Promise.resolve();
    const result = before.then(work, work);
    const settled = result.catch(() => undefined);
    this.partitionQueues.set(partition, settled);
    void settled.then(() => {
      if (this.partitionQueues.get(partition) === settled) this.partitionQueues.delete(partition);
    });
    return result;
  }

  private handleInTransaction(
    topic: string,
    partition: number,
    chunk: Extract<Decoded, { kind: 'event' }>[],
  ): Promise<void> {
    return this.inPartition(partition, () =>
      this.handleChunkInTransaction(topic, partition, chunk),
    );
  }

  private async handleChunkInTransaction(
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

  /**
   * Records the parked event and moves the partition's progress past it, in one transaction,
   * so a redelivery drops it as a duplicate. One try: handleOrPark tries again on failure.
   */
  private parkPast(
    payload: EachBatchPayload,
    event: StoredEvent,
    failure: { error: unknown; attempts: number; firstFailedAt: Date },
  ): Promise<void> {
    const { topic, partition } = payload.batch;
    return this.inPartition(partition, async () => {
      this.assertOurs(payload);
      const tx = await this.options.pool.connect();
      let broken = false;
      try {
        await tx.query('BEGIN');
        const progress = await loadProgress(tx, this.options.groupId, topic, partition);
        const to = checkpointOfEvent(event);
        if (compareCheckpoints(to, progress.effective) > 0) {
          await recordParkedEvent(tx, {
            subscriber: this.options.groupId,
            event,
            error: failure.error,
            attempts: failure.attempts,
            firstFailedAt: failure.firstFailedAt,
            partition,
          });
          await advanceProgress(tx, this.options.groupId, topic, partition, progress.own, to);
        }
        await tx.query('COMMIT');
      } catch (error) {
        await tx.query('ROLLBACK').catch(() => {
          broken = true;
        });
        if (isConnectionError(error)) broken = true;
        throw error;
      } finally {
        tx.release(broken);
      }
      this.options.log?.(
        'error',
        `kafka consumer ${this.options.groupId} parked the event at ${describeEvent(event)} ` +
          `after ${failure.attempts} tries and went on: ${summarizeFailure(failure.error).message}`,
        { partition, err: failure.error },
      );
      try {
        this.options.onParked?.({ partition, event, ...failure });
      } catch {
        // A notice that throws must not undo the parking.
      }
    });
  }

  /**
   * Retries of parked events of this group an administrator asked for: each is handled alone
   * through the handler, by the member holding its partition, in turn with that partition's
   * batches. Success deletes the row in the handler's transaction; failure keeps it.
   */
  private async serveRetries(): Promise<void> {
    if (this.stopping || this.assignment.length === 0) return;
    const requests = await retryRequests(this.options.pool, this.options.groupId);
    for (const request of requests) {
      const partition = request.partition;
      if (this.stopping || partition === null || !this.assignment.includes(partition)) continue;
      await this.inPartition(partition, async () => {
        const event = await readEventAt(this.options.pool, request.position);
        if (!event) {
          await settleRetryFailed(
            this.options.pool,
            this.options.groupId,
            request.position,
            new Error(`No event at position ${request.position} in the store`),
          );
          return;
        }
        const tx = await this.options.pool.connect();
        let broken = false;
        try {
          await tx.query('BEGIN');
          try {
            await this.options.beforeBatch?.(tx);
            const progress = await loadProgress(tx, this.options.groupId, this.topic, partition);
            await this.options.handle({
              topic: this.topic,
              partition,
              events: [event],
              progress: progress.effective,
              tx,
            });
            await settleRetrySucceeded(tx, this.options.groupId, request.position);
            await tx.query('COMMIT');
            this.options.log?.(
              'warn',
              `kafka consumer ${this.options.groupId}: retry of the parked event at ${describeEvent(event)} succeeded`,
              { partition },
            );
          } catch (error) {
            await tx.query('ROLLBACK').catch(() => {
              broken = true;
            });
            if (isConnectionError(error)) broken = true;
            if (isTransient(error)) throw error; // asked again at the next poll
            await settleRetryFailed(
              this.options.pool,
              this.options.groupId,
              request.position,
              error,
            );
            this.options.log?.(
              'warn',
              `kafka consumer ${this.options.groupId}: retry of the parked event at ${describeEvent(event)} failed`,
              { partition, err: error },
            );
          }
        } finally {
          tx.release(broken);
        }
      });
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

/** Not the message's fault (the event store's test, plus progress moved by another member). */
function isTransient(error: unknown): boolean {
  return error instanceof ProgressMovedError || isTransientFailure(error);
}
