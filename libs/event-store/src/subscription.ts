import type { Pool, PoolClient } from 'pg';
import { appendListenerFor } from './append-listener';
import { appendNotifierFor, combineListeners, type AppendListener } from './append-notifier';
import { compareCheckpoints, START, type Checkpoint } from './checkpoint';
import { HEAD_CHECKPOINT } from './event-store.sql';
import type { StoredEvent } from './event-store.types';
import {
  describeEvent,
  handleOrPark,
  summarizeFailure,
  recordParkedEvent,
  retryRequests,
  settleRetryFailed,
  settleRetrySucceeded,
  type HandlingFailure,
} from './parking';
import { checkpointAtPosition } from './postgres-event-store';
import { readAllAfter, readEventAt, type ReadAllPage } from './read-all';
import { backoffMs, inTransaction, isTransientFailure } from '@cm/platform/plumbing';
import type { Backoff, Queryable } from '@cm/platform/plumbing';

export interface SubscriptionOptions {
  pool: Pool;
  /** Names the checkpoint; processes sharing a name share one checkpoint and take turns. */
  name: string;
  /** Events per handled batch (default 500). */
  batchSize?: number;
  /**
   * Handles a batch inside the transaction that also stores the new checkpoint: write
   * through `tx` and the writes commit together with the checkpoint, or neither does.
   */
  handle: (events: StoredEvent[], tx: PoolClient) => Promise<void>;
  /** Fallback poll when no wake-up comes (default 1000 ms). */
  pollIntervalMs?: number;
  /** What wakes the subscription; by default in-process appends and LISTEN on cm_events. */
  listener?: AppendListener;
  /**
   * Every failure, one call each, with where it happened: the position after which the batch
   * starts, and the events of the failing try when known. `transient` failures (database
   * unreachable, a rebuild holding the read models) use up no try.
   */
  onError?: (error: unknown, context: SubscriptionFailureContext) => void;
  /** Back-off after an error, doubling from `initialMs` up to `maxMs` (100 ms, 10 s). */
  retry?: { initialMs?: number; maxMs?: number };
  /**
   * Tries of an event the handler keeps failing on before it is parked (default 3): a row in
   * parked_events, written with the checkpoint moved past it; the subscription goes on.
   */
  maxTries?: number;
  /** Told of each event parked (after its transaction committed). */
  onParked?: (parked: ParkedNotice) => void;
  /** Told of each retry of a parked event this subscription served (admin request). */
  onRetried?: (retried: { event: StoredEvent; ok: boolean; error?: unknown }) => void;
  /**
   * While catching up (a full batch was read), read the next batch on another pooled
   * connection while the handler works on this one (default true). Catch-up then waits on
   * the slower of reading and handling instead of their sum.
   */
  readAhead?: boolean;
}

export interface SubscriptionFailureContext {
  subscription: string;
  /** The checkpoint the failing batch starts after. */
  after: Checkpoint;
  /** The events of the failing try, when it got as far as reading them. */
  events?: readonly StoredEvent[];
  transient: boolean;
  /** Tries used on these events (transient failures excluded). */
  tries: number;
}

/** One log line for a failure: the subscription, the events (or position) and the cause. */
export function describeSubscriptionFailure(
  error: unknown,
  context: SubscriptionFailureContext,
): string {
  const events = context.events ?? [];
  const where =
    events.length === 0
      ? `after position ${context.after.position}`
      : events.length === 1
        ? `at ${describeEvent(events[0]!)}`
        : `on ${events.length} events at positions ${events[0]!.position}..${events[events.length - 1]!.position}`;
  const kind = context.transient
    ? "not the events' fault: waiting to retry without using a try"
    : `try ${context.tries}`;
  const cause = summarizeFailure(error);
  return `subscription ${context.subscription} failed ${where} (${kind}): ${cause.code ? `[${cause.code}] ` : ''}${cause.message}`;
}

/** The error-level log line of a parked event: the event and the cause. */
export function describeParked(parked: ParkedNotice): string {
  const cause = summarizeFailure(parked.error);
  return (
    `subscription ${parked.subscription} parked the event at ${describeEvent(parked.event)} ` +
    `after ${parked.attempts} tries and went on: ${cause.code ? `[${cause.code}] ` : ''}${cause.message}`
  );
}

export interface ParkedNotice {
  subscription: string;
  event: StoredEvent;
  error: unknown;
  attempts: number;
}

export interface Subscription {
  /** Stops after the batch in hand, and releases the connection and the lock. */
  stop(): Promise<void>;
  /** The last checkpoint this instance committed or read. */
  checkpoint(): Checkpoint;
  /**
   * Resolves once this subscription has handled the event at `position`, or by default
   * everything committed when called. Rejects after `timeoutMs` (default 30 s) or on stop.
   */
  waitUntilCaughtUp(position?: number, timeoutMs?: number): Promise<void>;
}

const LOAD_CHECKPOINT = `
SELECT position, transaction_id::text AS transaction_id
FROM subscription_checkpoints WHERE name = $1`;

/**
 * Moves the checkpoint only from where this batch started: if anything else moved it
 * meanwhile (a rebuild resetting it), no row matches and the batch rolls back.
 */
const ADVANCE_CHECKPOINT = `
UPDATE subscription_checkpoints
SET position = $4, transaction_id = $5::xid8, updated_at = now()
WHERE name = $1 AND position = $2 AND transaction_id = $3::xid8`;

const SAVE_CHECKPOINT = `
INSERT INTO subscription_checkpoints (name, position, transaction_id)
VALUES ($1, $2, $3::xid8)
ON CONFLICT (name) DO UPDATE
SET position = excluded.position, transaction_id = excluded.transaction_id, updated_at = now()`;

const CREATE_CHECKPOINT = `
INSERT INTO subscription_checkpoints (name, position, transaction_id)
VALUES ($1, 0, '0') ON CONFLICT (name) DO NOTHING`;

/** A session lock per name: only one process handles a subscription at a time. */
const TRY_LOCK = `SELECT pg_try_advisory_lock(hashtextextended('cm_subscription:' || $1, 0)) AS locked`;

/** The stored checkpoint of subscription `name`; START when it has none. */
export async function loadCheckpoint(tx: Queryable, name: string): Promise<Checkpoint> {
  const { rows } = await tx.query<{ position: string; transaction_id: string }>({
    name: 'cm_es_load_checkpoint',
    text: LOAD_CHECKPOINT,
    values: [name],
  });
  return rows[0] === undefined ? START : toCheckpoint(rows[0]);
}

/** Stores the checkpoint of `name`; call it in the transaction that did the work. */
export async function saveCheckpoint(
  tx: Queryable,
  name: string,
  checkpoint: Checkpoint,
): Promise<void> {
  await tx.query({
    name: 'cm_es_save_checkpoint',
    text: SAVE_CHECKPOINT,
    values: [name, checkpoint.position, checkpoint.transactionId],
  });
}

/**
 * Starts handling all events after the stored checkpoint of `options.name`, batch by batch,
 * then tails: woken by appends (in-process and NOTIFY), polling as a fallback. Errors never
 * escape: they go to onError and the batch is retried after a back-off.
 */
export async function startSubscription(options: SubscriptionOptions): Promise<Subscription> {
  if (!options.name) throw new TypeError('A subscription needs a name');
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be >= 1');
  await options.pool.query(CREATE_CHECKPOINT, [options.name]);
  const subscription = new PostgresSubscription(options, batchSize);
  subscription.start(await loadCheckpoint(options.pool, options.name));
  return subscription;
}

type StepOutcome = 'more' | 'idle' | 'held-back' | 'standby';

/**
 * Something else moved the checkpoint during a batch (a rebuild resetting it): not the
 * events' fault; the loop starts again from the stored checkpoint.
 */
class CheckpointMovedError extends Error {
  override readonly name = 'CheckpointMovedError';
  readonly transient = true;
}

/** The subscription is stopping (or lost its lock) while settling a failed batch. */
class SettleAbortedError extends Error {
  override readonly name = 'SettleAbortedError';
  readonly transient = true;
}

class PostgresSubscription implements Subscription {
  private readonly pollIntervalMs: number;
  private readonly retry: Backoff;
  private readonly onError: (error: unknown, context?: SubscriptionFailureContext) => void;
  private readonly maxTries: number;
  private lastRetryCheck = 0;
  private current: Checkpoint = START;
  private stopping = false;
  private loop: Promise<void> = Promise.resolve();
  private unsubscribe: () => void = () => undefined;
  /** The dedicated connection that holds the session lock; null while not holding it. */
  private client: PoolClient | null = null;
  private clientBroken = false;
  /** Set by a wake-up; checked before sleeping so that none is lost mid-batch. */
  private woken = false;
  private interruptSleep: (() => void) | null = null;
  private readonly progressWaiters = new Set<() => void>();
  /** The next page, read while the batch before it was handled; used only if still next. */
  private nextPage: { after: Checkpoint; page: Promise<ReadAllPage> } | null = null;

  constructor(
    private readonly options: SubscriptionOptions,
    private readonly batchSize: number,
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.retry = {
      initialMs: options.retry?.initialMs ?? 100,
      maxMs: options.retry?.maxMs ?? 10_000,
    };
    this.maxTries = options.maxTries ?? 3;
    const report =
      options.onError ??
      ((error: unknown, context: SubscriptionFailureContext) =>
        console.error(
          `event-store: subscription ${options.name} failed after position ${context.after.position}`,
          error,
        ));
    // The loop runs detached: an onError that throws must not become an unhandled rejection.
    this.onError = (error, context) => {
      try {
        report(
          error,
          context ?? {
            subscription: options.name,
            after: this.current,
            transient: isTransientFailure(error),
            tries: 0,
          },
        );
      } catch (reportFailure) {
        console.error(`event-store: onError of subscription ${options.name} threw`, reportFailure);
      }
    };
  }

  start(checkpoint: Checkpoint): void {
    this.current = checkpoint;
    const listener =
      this.options.listener ??
      combineListeners(appendNotifierFor(this.options.pool), appendListenerFor(this.options.pool));
    this.unsubscribe = listener.subscribe(this.wake);
    this.loop = this.run();
  }

  checkpoint(): Checkpoint {
    return this.current;
  }

  async stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      this.unsubscribe();
      this.interruptSleep?.();
      this.notifyProgress();
    }
    await this.loop;
    // A page read ahead still holds a pooled connection: let it finish before we return.
    await this.nextPage?.page.catch(() => undefined);
    this.nextPage = null;
    this.dropConnection();
  }

  async waitUntilCaughtUp(position?: number, timeoutMs = 30_000): Promise<void> {
    const target =
      position === undefined
        ? await headCheckpoint(this.options.pool)
        : await checkpointAtPosition(this.options.pool, position);
    if (!target) return;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (compareCheckpoints(this.current, target) >= 0) {
          done();
          resolve();
        } else if (this.stopping) {
          done();
          reject(new Error(`Subscription ${this.options.name} stopped before catching up`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `Subscription ${this.options.name} did not reach position ${target.position} ` +
              `within ${timeoutMs} ms (at ${this.current.position})`,
          ),
        );
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.progressWaiters.delete(check);
      };
      this.progressWaiters.add(check);
      check();
    });
  }

  private async run(): Promise<void> {
    let failures = 0;
    let heldBackDelayMs = 0;
    while (!this.stopping) {
      let outcome: StepOutcome;
      try {
        await this.serveRetriesIfDue();
        outcome = await this.step();
        failures = 0;
      } catch (caught) {
        const { error, context } =
          caught instanceof StepFailure ? caught : { error: caught, context: undefined };
        this.onError(error, context);
        failures++;
        await this.sleep(backoffMs(failures, this.retry), false);
        continue;
      }
      if (outcome === 'more') continue;
      if (outcome === 'held-back') {
        // An older transaction is still open; it usually ends within milliseconds, and
        // nothing may announce that it did (it need not be an append).
        heldBackDelayMs = Math.min(Math.max(heldBackDelayMs * 2, 5), this.pollIntervalMs);
        await this.sleep(heldBackDelayMs, true);
        continue;
      }
      heldBackDelayMs = 0;
      await this.sleep(this.pollIntervalMs, outcome === 'idle');
    }
  }

  /**
   * One batch in one transaction: read the stored checkpoint, the events after it, handle
   * them and advance the checkpoint. The session lock keeps other processes out; the
   * checkpoint is not locked with FOR UPDATE because a row lock takes a transaction id at
   * once, and every open transaction id holds back all readers (see README). When the handler
   * fails on the batch for a reason that is the events' own, the batch is settled by the
   * parking policy (see settle) instead of being retried as a whole for ever.
   */
  private async step(): Promise<StepOutcome> {
    const client = await this.connection();
    if (!client) return 'standby';
    this.woken = false;
    let from: Checkpoint | undefined;
    let page: ReadAllPage | undefined;
    let handling = false;
    try {
      const { reached, read } = await inTransaction(
        client,
        async () => {
          const after = (from = await loadCheckpoint(client, this.options.name));
          const read = (page = await this.readPage(client, after));
          if (read.events.length === 0) return { reached: after, read };
          if (read.events.length === this.batchSize) this.readAheadAfter(read.checkpoint);
          handling = true;
          await this.options.handle(read.events, client);
          handling = false;
          await this.advanceStored(client, after, read.checkpoint);
          return { reached: read.checkpoint, read };
        },
        // The next step takes a fresh connection.
        { onBroken: this.markClientBroken },
      );
      this.advance(reached);
      if (read.events.length === this.batchSize) return 'more';
      return read.heldBack ? 'held-back' : 'idle';
    } catch (error) {
      this.nextPage = null;
      const transient = !handling || isTransientFailure(error) || this.clientBroken;
      if (transient || !from || !page) {
        throw new StepFailure(error, {
          subscription: this.options.name,
          after: from ?? this.current,
          events: page?.events,
          transient: transient || isTransientFailure(error),
          tries: 0,
        });
      }
      await this.settle(client, from, page.events, error);
      return 'more';
    }
  }

  private readonly markClientBroken = (): void => {
    this.clientBroken = true;
  };

  /** Moves the stored checkpoint from `from` to `to`, or throws when something else moved it. */
  private async advanceStored(client: PoolClient, from: Checkpoint, to: Checkpoint): Promise<void> {
    const { rowCount } = await client.query({
      name: 'cm_es_advance_checkpoint',
      text: ADVANCE_CHECKPOINT,
      values: [this.options.name, from.position, from.transactionId, to.position, to.transactionId],
    });
    if (rowCount !== 1) {
      throw new CheckpointMovedError(
        `The checkpoint of ${this.options.name} moved during a batch; retrying`,
      );
    }
  }

  /**
   * A batch the handler failed on: retried, split and, for the event that keeps failing,
   * parked (handleOrPark). Each part runs in its own transaction on the locked connection,
   * from the checkpoint the previous part left.
   */
  private async settle(
    client: PoolClient,
    from: Checkpoint,
    events: StoredEvent[],
    firstFailure: unknown,
  ): Promise<void> {
    let at = from;
    const inPartTransaction = async (work: () => Promise<Checkpoint>): Promise<void> => {
      if (this.stopping || this.clientBroken || this.client !== client) {
        throw new SettleAbortedError(`subscription ${this.options.name} stopped settling a batch`);
      }
      const to = await inTransaction(
        client,
        async () => {
          const stored = await loadCheckpoint(client, this.options.name);
          if (compareCheckpoints(stored, at) !== 0) {
            throw new CheckpointMovedError(
              `The checkpoint of ${this.options.name} moved during a batch; retrying`,
            );
          }
          const next = await work();
          await this.advanceStored(client, at, next);
          return next;
        },
        { onBroken: this.markClientBroken },
      );
      at = to;
      this.advance(to);
    };
    await handleOrPark(events, {
      maxTries: this.maxTries,
      firstFailure,
      isFatal: (error) =>
        error instanceof CheckpointMovedError ||
        error instanceof SettleAbortedError ||
        this.clientBroken,
      pause: async (attempt) => {
        await this.sleep(backoffMs(attempt, this.retry), false);
        if (this.stopping) {
          throw new SettleAbortedError(`subscription ${this.options.name} is stopping`);
        }
      },
      handle: (part) =>
        inPartTransaction(async () => {
          await this.options.handle(part, client);
          return checkpointOf(part[part.length - 1]!); // a part is never empty
        }),
      park: (event, failure) =>
        inPartTransaction(async () => {
          await recordParkedEvent(client, {
            subscriber: this.options.name,
            event,
            error: failure.error,
            attempts: failure.attempts,
            firstFailedAt: failure.firstFailedAt,
          });
          return checkpointOf(event);
        }).then(() => {
          try {
            this.options.onParked?.({
              subscription: this.options.name,
              event,
              error: failure.error,
              attempts: failure.attempts,
            });
          } catch {
            // A notice that throws must not undo the parking.
          }
        }),
      onFailure: (failure: HandlingFailure<StoredEvent>) =>
        this.onError(failure.error, {
          subscription: this.options.name,
          after: at,
          events: failure.items,
          transient: failure.transient,
          tries: failure.tries,
        }),
    });
  }

  /**
   * Retries of parked events an administrator asked for (POST .../retry), served by the
   * process that holds this subscription, between batches, at most once per poll interval.
   * Each is handled alone through this subscription's handler; the checkpoint does not move.
   */
  private async serveRetriesIfDue(): Promise<void> {
    const now = Date.now();
    if (now - this.lastRetryCheck < Math.min(this.pollIntervalMs, 500)) return;
    this.lastRetryCheck = now;
    const client = await this.connection();
    if (!client) return;
    const requests = await retryRequests(client, this.options.name);
    for (const request of requests) {
      if (this.stopping) return;
      const event = await readEventAt(client, request.position);
      if (!event) {
        await settleRetryFailed(
          client,
          this.options.name,
          request.position,
          new Error(`No event at position ${request.position} in the store`),
        );
        continue;
      }
      try {
        await inTransaction(
          client,
          async () => {
            await this.options.handle([event], client);
            await settleRetrySucceeded(client, this.options.name, request.position);
          },
          { onBroken: this.markClientBroken },
        );
      } catch (error) {
        if (this.clientBroken) throw error;
        await settleRetryFailed(client, this.options.name, request.position, error);
        this.notifyRetried({ event, ok: false, error });
        continue;
      }
      this.notifyRetried({ event, ok: true });
    }
  }

  private notifyRetried(retried: { event: StoredEvent; ok: boolean; error?: unknown }): void {
    try {
      this.options.onRetried?.(retried);
    } catch {
      // A notice that throws must not undo the retry's outcome.
    }
  }

  /**
   * The page after `from`: the one read ahead when it starts exactly there, else a fresh
   * read. A page read ahead is as safe as a fresh one: the reader never returns a position
   * past a transaction in flight at the time of reading, whenever that was.
   */
  private async readPage(client: PoolClient, from: Checkpoint): Promise<ReadAllPage> {
    const ahead = this.nextPage;
    this.nextPage = null;
    if (ahead && compareCheckpoints(ahead.after, from) === 0) {
      try {
        return await ahead.page;
      } catch {
        // A failed read ahead costs nothing but the read: read again on our connection.
      }
    }
    return readAllAfter(client, from, this.batchSize);
  }

  private readAheadAfter(after: Checkpoint): void {
    if (this.options.readAhead === false || this.stopping) return;
    const page = readAllAfter(this.options.pool, after, this.batchSize);
    page.catch(() => undefined); // awaited (or dropped) by the next step
    this.nextPage = { after, page };
  }

  /** The connection holding this name's session lock, or null while another process has it. */
  private async connection(): Promise<PoolClient | null> {
    if (this.client && !this.clientBroken) return this.client;
    this.dropConnection();
    const client = await this.options.pool.connect();
    client.on('error', this.onClientError);
    try {
      const { rows } = await client.query<{ locked: boolean }>(TRY_LOCK, [this.options.name]);
      if (!rows[0]!.locked) {
        client.removeListener('error', this.onClientError);
        client.release();
        return null;
      }
    } catch (error) {
      client.release(true);
      throw error;
    }
    this.client = client;
    this.clientBroken = false;
    return client;
  }

  private dropConnection(): void {
    const client = this.client;
    this.client = null;
    this.clientBroken = false;
    if (!client) return;
    // Destroyed, not returned: closing the session is what releases its advisory lock.
    client.removeListener('error', this.onClientError);
    client.on('error', () => undefined);
    client.release(true);
  }

  private readonly onClientError = (error: Error): void => {
    this.clientBroken = true;
    this.onError(error);
  };

  private advance(checkpoint: Checkpoint): void {
    this.current = checkpoint;
    this.notifyProgress();
  }

  private notifyProgress(): void {
    for (const check of [...this.progressWaiters]) check();
  }

  private readonly wake = (): void => {
    this.woken = true;
    this.interruptSleep?.();
  };

  /** Sleeps `ms`; a wake-up ends it early when `wakeable`, stop() always does. */
  private sleep(ms: number, wakeable: boolean): Promise<void> {
    if (this.stopping || (wakeable && this.woken)) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.interruptSleep = null;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.interruptSleep = () => {
        if (wakeable || this.stopping) finish();
      };
    });
  }
}

async function headCheckpoint(pool: Pool): Promise<Checkpoint | null> {
  const { rows } = await pool.query<{ position: string; transaction_id: string }>({
    name: 'cm_es_head_checkpoint',
    text: HEAD_CHECKPOINT,
  });
  return rows[0] === undefined ? null : toCheckpoint(rows[0]);
}

function checkpointOf(event: StoredEvent): Checkpoint {
  return { position: event.position, transactionId: event.transactionId };
}

/** A failed step, with where it failed, for the one error report per failure. */
class StepFailure extends Error {
  constructor(
    readonly error: unknown,
    readonly context: SubscriptionFailureContext,
  ) {
    super(error instanceof Error ? error.message : String(error));
  }
}

function toCheckpoint(row: { position: string; transaction_id: string }): Checkpoint {
  return { position: Number(row.position), transactionId: row.transaction_id };
}
