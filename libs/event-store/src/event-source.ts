import type { Log, Queryable } from '@cm/platform/plumbing';
import { silentLog } from '@cm/platform/plumbing';
import type { Pool, PoolClient } from 'pg';
import type { Checkpoint } from './checkpoint';
import type { StoredEvent } from './event-store.types';
import { loadCheckpoint, startSubscription } from './subscription';
import type { Subscription } from './subscription';
import { subscriptionLogging } from './subscription-logging';

/**
 * Where a subscriber's events come from, whatever feeds them: a store subscription in the
 * embedded mode, a Kafka consumer group in the distributed one (as Emmett's message sources,
 * the consumer never knows which). Chosen once per process, in the app's provider.
 *
 * The checkpoint contract, the same for every source:
 * - A batch's events follow `progress`, the subscriber's stored progress for that part of
 *   the stream, in the store's read order (transaction id, position); never empty.
 * - The handler writes through `tx`. The source records the new progress in the same
 *   transaction after the handler resolves: the writes and the progress commit together,
 *   or neither does, so an event is handled once whatever crashes.
 * - A handler that throws rolls both back. The source retries; an event that keeps failing
 *   is parked (parked_events, under the source's `name`) and the source goes on. Failures
 *   that are not the event's (an outage, a TransientError) are retried without limit.
 * - Handlers must be idempotent in memory: after a rollback or a change of hands the same
 *   events come again with the same `progress`.
 */
export interface EventSource {
  /** The subscriber's name: its progress rows and its parked events go by it. */
  readonly name: string;
  /** Starts feeding `consumer`; resolves once the source runs. */
  start(consumer: EventConsumer): Promise<void>;
  /** Stops after the batch in hand. */
  stop(): Promise<void>;
  /**
   * Events stored after this subscriber's progress, in the store's read order (transaction
   * id, position), counted up to 1,000,000; read from the stored progress, so right also in
   * a process that is not the one consuming.
   */
  lag(): Promise<number>;
  /** Resolves once everything committed (or the event at `position`) is handled. */
  waitUntilCaughtUp(position?: number, timeoutMs?: number): Promise<void>;
  /**
   * The part of the stream an event belongs to, as `EventBatch.partition` names it: its
   * Kafka partition, or null for a store subscription (one part, the whole store).
   */
  partitionOf(event: StoredEvent): number | null;
}

/** What a source feeds. */
export interface EventConsumer {
  handle(batch: EventBatch): Promise<void>;
  /**
   * The parts of the stream this process now holds, after each change (a Kafka rebalance):
   * state kept for the other parts must be dropped. A store subscription never calls it.
   */
  onAssigned?(partitions: readonly number[]): void;
}

/** One batch, the same shape from every source. */
export interface EventBatch {
  /** Events after `progress`, in the store's read order; never empty. */
  events: StoredEvent[];
  /** The stored progress these events follow (the subscriber's, for this part of the stream). */
  progress: Checkpoint;
  /** The Kafka partition the events come from; null for the whole store. */
  partition: number | null;
  /** Write through it: the writes and the new progress commit together, or neither does. */
  tx: PoolClient;
}

/** Events counted as lag at most: a count, not a scan of a store that fell far behind. */
export const LAG_COUNT_CAP = 1_000_000;

/**
 * Events after `checkpoint` in the store's read order, counted up to LAG_COUNT_CAP. By
 * (transaction id, position): a position alone can stay behind the head when transactions
 * committed out of position order, and positions have gaps.
 */
export async function countEventsAfter(pool: Queryable, checkpoint: Checkpoint): Promise<number> {
  const { rows } = await pool.query<{ lag: string }>(
    `SELECT count(*)::text AS lag FROM (
       SELECT 1 FROM events WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
       LIMIT ${LAG_COUNT_CAP}) AS behind`,
    [checkpoint.transactionId, checkpoint.position],
  );
  return Number(rows[0]!.lag); // one row: a count
}

export interface StoreEventSourceOptions {
  pool: Pool;
  /** The subscription's name (its checkpoint row, its session lock, its parked events). */
  name: string;
  batchSize?: number;
  pollIntervalMs?: number;
  /** The subscription's failures, parkings and retries go here. */
  log?: Log;
}

/**
 * The embedded mode's source: a store subscription (startSubscription), its checkpoint in
 * subscription_checkpoints. `progress` is the stored checkpoint, read in the batch's
 * transaction.
 */
export class StoreEventSource implements EventSource {
  readonly name: string;
  private subscription: Subscription | undefined;

  constructor(private readonly options: StoreEventSourceOptions) {
    this.name = options.name;
  }

  async start(consumer: EventConsumer): Promise<void> {
    if (this.subscription) return;
    this.subscription = await startSubscription({
      pool: this.options.pool,
      name: this.name,
      batchSize: this.options.batchSize,
      pollIntervalMs: this.options.pollIntervalMs,
      handle: async (events, tx) => {
        const progress = await loadCheckpoint(tx, this.name);
        await consumer.handle({ events, progress, partition: null, tx });
      },
      ...subscriptionLogging(this.options.log ?? silentLog),
    });
  }

  async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.stop();
  }

  async lag(): Promise<number> {
    return countEventsAfter(this.options.pool, await loadCheckpoint(this.options.pool, this.name));
  }

  async waitUntilCaughtUp(position?: number, timeoutMs?: number): Promise<void> {
    if (!this.subscription) throw new Error(`the subscription ${this.name} is not running`);
    await this.subscription.waitUntilCaughtUp(position, timeoutMs);
  }

  partitionOf(): null {
    return null;
  }

  /** The subscription in this process, while it runs (tests wait on it). */
  current(): Subscription | undefined {
    return this.subscription;
  }
}
