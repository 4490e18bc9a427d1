import { TOPICS } from '@cm/contracts';
import {
  compareCheckpoints,
  describeEvent,
  handleOrPark,
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
import { backoffMs, withTransaction } from '@cm/platform/plumbing';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import { advanceProgress, loadProgress, ProgressMovedError } from './consumer-progress';
import { partitionFor } from './kafka-connection';
import type { MessagingLog } from './kafka-connection';
import { RenewableProducer } from './renewable-producer';
import { checkpointOfEvent, decodeReportMessage, theatreOf } from './report-message';
import {
  mismatch,
  outOfReadOrder,
  partitionEventsBetween,
  storedEventsAt,
  UnverifiedMessageError,
} from './store-check';

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
  /** Partitions of the topic as the cluster has them (ensureTopics): which theatres are whose. */
  partitions: number;
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

/** Crashes in a row, restarted each time without a batch handled between, that count as down. */
const CRASH_LOOP = 3;

/** The partition was taken from this member mid-batch: stop without resolving anything. */
class PartitionLostError extends Error {
  override readonly name = 'PartitionLostError';
}

type Decoded =
  | { kind: 'event'; message: KafkaMessage; event: StoredEvent }
  | { kind: 'poison'; message: KafkaMessage; error: unknown };

/** An event to handle: the store's, with the message that carried it (none for a gap's). */
interface Item {
  event: StoredEvent;
  message: KafkaMessage | undefined;
}

/** Why a consumer is not consuming: kafkajs crashed it, or it stopped without stop(). */
export interface ConsumerCrash {
  error: Error;
  /** kafkajs restarts it (a retriable failure); false: it stays down until the process restarts. */
  restart: boolean;
  at: Date;
}

/**
 * A kafkajs consumer group on `conflict.reports.v1` whose progress lives in PostgreSQL with the
 * handler's writes (table kafka_consumer_progress). Each partition's messages arrive in the
 * store's read order (the relay publishes in it and a partition keeps order), so everything at
 * or before the partition's progress is a duplicate and is dropped: the relay's republished
 * tail, a redelivery after a rebalance or a crash before Kafka's offset commit. Kafka's own
 * committed offsets only say where fetching starts; they are committed after the database.
 *
 * No message can move progress by what it claims: each message after the partition's progress
 * is checked against the event the store holds at its position (transaction id, event id,
 * type, stream, data, metadata, partition). What is handled is the store's events of the
 * partition from the progress up to the last message that passed, read from the store in
 * (transaction id, position) order: events Kafka never delivered (lost, or deleted by retention
 * before this group read them) are filled from the store, never skipped. A message that fails
 * the check is dead-lettered (UnverifiedMessageError) and moves nothing.
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
  private crash: ConsumerCrash | undefined;
  /** Crashes since the last batch handled: kafkajs restarting into the same crash again. */
  private crashesInRow = 0;
  private rejoinedAfterCrash = false;

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
      // Joined again after a crash kafkajs restarted it from (crashed() judges it).
      if (this.crash) this.rejoinedAfterCrash = true;
      this.assignment = [...(event.payload.memberAssignment[this.topic] ?? [])].sort(
        (a, b) => a - b,
      );
      this.options.onAssignment?.(this.assignment);
    });
    consumer.on(consumer.events.CRASH, (event) => {
      const error = event.payload.error;
      this.crash = {
        error: error instanceof Error ? error : new Error(String(error)),
        restart: event.payload.restart,
        at: new Date(),
      };
      this.crashesInRow++;
      this.rejoinedAfterCrash = false;
      this.assignment = [];
      this.options.log?.(
        'error',
        `kafka consumer ${this.options.groupId} crashed (${
          event.payload.restart
            ? 'kafkajs restarts it'
            : 'not restarting: /health/ready answers 503'
        }): ${this.crash.error.message}`,
        { err: error, restart: event.payload.restart },
      );
    });
    consumer.on(consumer.events.STOP, () => {
      if (this.stopping) return;
      // Stopped, not by stop(): a crash (which kafkajs reports next) or a stop from elsewhere.
      this.crash ??= { error: new Error('the consumer stopped'), restart: false, at: new Date() };
      this.assignment = [];
    });
    this.crash = undefined;
    this.crashesInRow = 0;
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

  get groupId(): string {
    return this.options.groupId;
  }

  get topicName(): string {
    return this.topic;
  }

  get partitionCount(): number {
    return this.options.partitions;
  }

  /**
   * Why this member is not consuming although started and not stopped, else undefined: a crash
   * kafkajs does not restart from, one it has not rejoined the group after yet, or the same
   * crash again and again (CRASH_LOOP crashes without a batch handled in between).
   */
  crashed(): ConsumerCrash | undefined {
    const crash = this.crash;
    if (this.stopping || !crash) return undefined;
    if (!crash.restart || !this.rejoinedAfterCrash || this.crashesInRow >= CRASH_LOOP) return crash;
    return undefined;
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
      this.crashesInRow = 0;
    } catch (error) {
      if (error instanceof PartitionLostError) return;
      throw error;
    }
  }

  /**
   * Handles a run of decoded messages: the ones after the partition's progress are checked
   * against the store, those that fail are dead-lettered, and the store's events of the
   * partition up to the last one that passed are handled in chunks, retried, split and parked
   * as above. Gaps (events no message of the run carried) are filled from the store, loudly.
   */
  private async handleChunk(
    payload: EachBatchPayload,
    chunk: Extract<Decoded, { kind: 'event' }>[],
  ): Promise<void> {
    const { partition } = payload.batch;
    const { upTo, progress, messages, unverified } = await this.whilePartitionOurs(payload, () =>
      this.verify(partition, chunk),
    );
    const duplicates = chunk.length - messages.size - unverified.length;
    if (duplicates > 0) this.options.onHandled?.({ partition, events: [], duplicates });
    let cursor = progress;
    while (upTo && compareCheckpoints(cursor, upTo) < 0) {
      const from = cursor;
      const events = await this.whilePartitionOurs(payload, () =>
        partitionEventsBetween(
          this.options.pool,
          from,
          upTo,
          this.chunkSize,
          (theatre) => this.partitionOfTheatre(theatre) === partition,
        ),
      );
      if (events.length === 0) {
        throw new Error(
          `kafka consumer ${this.options.groupId}: partition ${partition}: the store holds ` +
            `nothing between position ${from.position} and position ${upTo.position}, where a ` +
            `message it verified sits`,
        );
      }
      const items = events.map((event) => ({ event, message: messages.get(event.position) }));
      const filled = items.filter((item) => !item.message).map((item) => item.event.position);
      if (filled.length > 0) {
        this.options.log?.(
          'warn',
          `kafka consumer ${this.options.groupId}: partition ${partition}: ${filled.length} ` +
            `event(s) no message carried (never published, lost, or deleted by retention before ` +
            `this group read them) are handled from the store: positions ` +
            summarizePositions(filled),
          { partition },
        );
      }
      await this.handleItems(payload, items);
      cursor = checkpointOfEvent(events[events.length - 1]!); // never empty here
    }
    for (const { message, error } of unverified) {
      await this.deadLetter(payload, message, error, 1);
    }
    payload.resolveOffset(chunk[chunk.length - 1]!.message.offset); // a chunk is never empty
  }

  /**
   * What the store can prove of `chunk`: the messages after the partition's progress whose
   * claims match the stored event (by position), the furthest of them (`upTo`), and the rest.
   */
  private async verify(
    partition: number,
    chunk: Extract<Decoded, { kind: 'event' }>[],
  ): Promise<{
    progress: Checkpoint;
    upTo: Checkpoint | undefined;
    messages: Map<number, KafkaMessage>;
    unverified: { message: KafkaMessage; error: UnverifiedMessageError }[];
  }> {
    const { effective: progress } = await loadProgress(
      this.options.pool,
      this.options.groupId,
      this.topic,
      partition,
    );
    const after = chunk.filter(
      ({ event }) => compareCheckpoints(checkpointOfEvent(event), progress) > 0,
    );
    const late = outOfReadOrder(after.map(({ event }) => event));
    if (late.length > 0) {
      this.options.log?.(
        'warn',
        `kafka consumer ${this.options.groupId}: partition ${partition}: message(s) out of the ` +
          `store's read order, behind a later one (positions ` +
          `${summarizePositions(late.map((event) => event.position))}): the partition's events ` +
          `are handled in the store's order, nothing is dropped`,
        { partition },
      );
    }
    const stored = await storedEventsAt(
      this.options.pool,
      after.map(({ event }) => event.position),
    );
    const messages = new Map<number, KafkaMessage>();
    const unverified: { message: KafkaMessage; error: UnverifiedMessageError }[] = [];
    let upTo: Checkpoint | undefined;
    for (const { message, event } of after) {
      const why = mismatch(event, stored.get(event.position), partition, (e) =>
        this.partitionOfTheatre(theatreOf(e)),
      );
      if (why !== null) {
        unverified.push({
          message,
          error: new UnverifiedMessageError(
            `the message claims position ${event.position} (transaction ${event.transactionId}) ` +
              `but ${why}: it moves no progress`,
          ),
        });
        continue;
      }
      messages.set(event.position, message);
      const at = checkpointOfEvent(event);
      if (!upTo || compareCheckpoints(at, upTo) > 0) upTo = at;
    }
    return { progress, upTo, messages, unverified };
  }

  private partitionOfTheatre(theatre: string): number {
    return partitionFor(this.topic, theatre, this.options.partitions);
  }

  /**
   * Runs `work`, which only reads, again after failures that are not the messages' (the
   * database unreachable) while the partition is ours; anything else is thrown.
   */
  private async whilePartitionOurs<T>(
    payload: EachBatchPayload,
    work: () => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      this.assertOurs(payload);
      try {
        return await work();
      } catch (error) {
        if (!isTransient(error)) throw error;
        this.options.log?.(
          'warn',
          `kafka consumer ${this.options.groupId}: partition ${payload.batch.partition}: ` +
            `reading the store failed; waiting to retry: ${summarizeFailure(error).message}`,
          { partition: payload.batch.partition, err: error },
        );
        await this.pause(payload, attempt);
      }
    }
  }

  /** Handles the store's events of one partition in read order, retrying, splitting, parking. */
  private async handleItems(payload: EachBatchPayload, items: Item[]): Promise<void> {
    const { topic, partition } = payload.batch;
    const deadLettered = new Set<string>();
    await handleOrPark(items, {
      maxTries: this.maxTries,
      isTransient,
      isFatal: (error) => error instanceof PartitionLostError,
      pause: (attempt) => this.pause(payload, attempt),
      handle: async (part) => {
        this.assertOurs(payload);
        await this.handleInTransaction(topic, partition, part);
        const carried = part.filter((item) => item.message);
        const last = carried[carried.length - 1];
        if (last?.message) payload.resolveOffset(last.message.offset);
        await payload.heartbeat().catch(() => undefined);
      },
      park: async (only, failure) => {
        this.assertOurs(payload);
        // Once per message, however often recording the parking must be tried again. An event
        // filled from the store has no message: its parked_events row is the record.
        if (only.message && !deadLettered.has(only.message.offset)) {
          await this.deadLetter(payload, only.message, failure.error, failure.attempts);
          deadLettered.add(only.message.offset);
        }
        await this.parkPast(payload, only.event, failure);
        if (only.message) payload.resolveOffset(only.message.offset);
      },
      onFailure: ({ items: failed, error, transient, tries }) =>
        this.options.log?.(
          'warn',
          `kafka consumer ${this.options.groupId}: partition ${partition} failed ${
            failed.length === 1
              ? `at ${describeEvent(failed[0]!.event)}`
              : `on ${failed.length} events at positions ${failed[0]!.event.position}..${failed[failed.length - 1]!.event.position}`
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

  private handleInTransaction(topic: string, partition: number, chunk: Item[]): Promise<void> {
    return this.inPartition(partition, () =>
      this.handleChunkInTransaction(topic, partition, chunk),
    );
  }

  private async handleChunkInTransaction(
    topic: string,
    partition: number,
    chunk: Item[],
  ): Promise<void> {
    const events = await withTransaction(this.options.pool, async (tx) => {
      await this.options.beforeBatch?.(tx);
      const progress = await loadProgress(tx, this.options.groupId, topic, partition);
      // The store's events in read order; another member may have handled some meanwhile.
      const fresh: StoredEvent[] = [];
      let after = progress.effective;
      for (const { event } of chunk) {
        const at = checkpointOfEvent(event);
        if (compareCheckpoints(at, after) > 0) {
          fresh.push(event);
          after = at;
        }
      }
      if (fresh.length > 0) {
        await this.options.handle({
          topic,
          partition,
          events: fresh,
          progress: progress.effective,
          tx,
        });
        const last = checkpointOfEvent(fresh[fresh.length - 1]!);
        await advanceProgress(tx, this.options.groupId, topic, partition, progress.own, last);
      }
      return fresh;
    });
    this.options.onHandled?.({ partition, events, duplicates: chunk.length - events.length });
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
      await withTransaction(this.options.pool, async (tx) => {
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
      });
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
        try {
          await withTransaction(this.options.pool, async (tx) => {
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
          });
        } catch (error) {
          if (isTransient(error)) throw error; // asked again at the next poll
          await settleRetryFailed(this.options.pool, this.options.groupId, request.position, error);
          this.options.log?.(
            'warn',
            `kafka consumer ${this.options.groupId}: retry of the parked event at ${describeEvent(event)} failed`,
            { partition, err: error },
          );
          return;
        }
        this.options.log?.(
          'warn',
          `kafka consumer ${this.options.groupId}: retry of the parked event at ${describeEvent(event)} succeeded`,
          { partition },
        );
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
    // Each consumer group reads every message, so each dead-letters a bad one on its own: one
    // copy per group, told apart by the dlq-consumer-group header.
    this.options.log?.(
      'error',
      `kafka consumer group ${this.options.groupId} dead-lettered the message at ${topic}[${partition}] ` +
        `offset ${message.offset} to ${TOPICS.reportsDlq} (each group does so on its own, ` +
        `dlq-consumer-group=${this.options.groupId}): ${failure.name}: ${failure.message}`,
      { topic, partition, offset: message.offset, err: failure },
    );
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
    let left = backoffMs(attempt, { initialMs: this.retryInitialMs, maxMs: this.retryMaxMs });
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

/** `1, 2, 5..9` for logs: at most 20 entries. */
function summarizePositions(positions: readonly number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < positions.length;) {
    let j = i;
    while (j + 1 < positions.length && positions[j + 1] === positions[j]! + 1) j++;
    runs.push(i === j ? String(positions[i]) : `${positions[i]}..${positions[j]}`);
    i = j + 1;
  }
  return runs.length > 20 ? `${runs.slice(0, 20).join(', ')}, ...` : runs.join(', ');
}
