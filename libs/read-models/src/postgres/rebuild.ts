import {
  compareCheckpoints,
  describeSubscriptionFailure,
  listParkedEvents,
  loadCheckpoint,
  saveCheckpoint,
  START,
  startSubscription,
  type Checkpoint,
  type ParkedEvent,
  type ParkedNotice,
} from '@cm/event-store';
import type { Pool } from 'pg';
import { withTransaction } from '@cm/platform/plumbing';
import { ReadModelWriter } from './read-model-writer';
import { READ_MODEL_TABLES } from './report-tables';

/** The projector's subscription (and checkpoint) name. */
export const PROJECTOR_SUBSCRIPTION = 'projector';

/**
 * Empties the read models and moves the projector's checkpoint back to the start, in one
 * transaction. Safe while a projector runs elsewhere: TRUNCATE waits for a batch in flight
 * to commit, and a batch that read the old checkpoint cannot commit afterwards because its
 * checkpoint update only matches the checkpoint it started from (see the event store's
 * ADVANCE_CHECKPOINT), so it rolls back and starts again from position 0.
 */
export async function resetReadModels(
  pool: Pool,
  subscription: string = PROJECTOR_SUBSCRIPTION,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await resetOnce(pool, subscription);
    } catch (error) {
      // TRUNCATE locks the tables one by one; a batch in flight may hold one it wants.
      if ((error as { code?: string }).code !== DEADLOCK_DETECTED || attempt >= 5) throw error;
    }
  }
}

const DEADLOCK_DETECTED = '40P01';

async function resetOnce(pool: Pool, subscription: string): Promise<void> {
  await withTransaction(pool, async (client) => {
    await client.query(`TRUNCATE ${READ_MODEL_TABLES.join(', ')}`);
    await saveCheckpoint(client, subscription, START);
  });
}

/**
 * Events per batch of a rebuild run in this process. Besides its rows, each batch pays for
 * what it touches: the aggregate upserts, each touched source's latest total, each touched
 * theatre's first and last occurredAt, a transaction. At 10,000 rather than 5000 these come
 * half as often and PostgreSQL's CPU for a 200,000-event rebuild falls from about 2.5 to
 * 2.2 s; 20,000 was no faster again. A larger batch costs memory (its events, their rows
 * and statements, and the page read ahead) and, while it is written, holds back the other
 * subscribers' readers for longer (an open transaction id stops them): about 0.2 s.
 */
export const REBUILD_BATCH_SIZE = 10_000;

export interface RebuildProgress {
  /** Position of the last event the projector has handled. */
  position: number;
  /** The head's position when the rebuild started. */
  head: number;
}

export interface RebuildOptions {
  subscription?: string;
  /** Events per batch of this process's projector (default REBUILD_BATCH_SIZE). */
  batchSize?: number;
  onProgress?: (progress: RebuildProgress) => void;
  /** Gives up when the checkpoint stops moving for this long (default 60 s). */
  stallTimeoutMs?: number;
  /** Told of each event this process's projector parked (named, with its cause). */
  onParked?: (parked: ParkedNotice) => void;
  /** Told of each failed try, as one sentence naming the events and the cause. */
  onFailure?: (sentence: string) => void;
}

export interface RebuildResult {
  /** Events in the store up to the head when the rebuild started. */
  events: number;
  head: number;
  elapsedMs: number;
  /**
   * The projector's parked events once the rebuild reached the head: events it could not
   * project and moved past (not in the read models until retried; see GET /v1/admin/parked).
   */
  parked: ParkedEvent[];
}

/**
 * Empties the read models and replays every event from position 0 up to the head at the
 * start, with the projector's own subscription: in this process, or in a projector already
 * running elsewhere (it holds the subscription's lock; this one then waits on standby and
 * watches the shared checkpoint). An event the projector cannot project is parked like in live
 * projection (named in `onParked` and in the result's `parked`) and the rebuild goes on.
 */
export async function rebuildReadModels(
  pool: Pool,
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  const name = options.subscription ?? PROJECTOR_SUBSCRIPTION;
  const started = performance.now();
  const { rows } = await pool.query<{ transaction_id: string; position: string; count: string }>(
    // ORDER BY names the table's column: a bare `transaction_id` would sort the text output
    // column, and '998' > '1838' ended a rebuild at a quarter of the store.
    `SELECT (SELECT transaction_id::text FROM events ORDER BY events.transaction_id DESC, events.position DESC LIMIT 1) AS transaction_id,
            (SELECT max(position) FROM events)::text AS position,
            (SELECT count(*) FROM events)::text AS count`,
  );
  const head: Checkpoint = {
    position: Number(rows[0].position ?? 0),
    transactionId: rows[0].transaction_id ?? '0',
  };
  await resetReadModels(pool, name);
  await dropSearchTimeIndexes(pool);
  let result: RebuildResult;
  try {
    result = await replay(pool, name, head, options, started, Number(rows[0].count));
  } finally {
    await createSearchTimeIndexes(pool);
  }
  // The time counts the indexes' build: it is part of the rebuild.
  return { ...result, elapsedMs: performance.now() - started };
}

/**
 * The search's (occurred_at, report_id) indexes (migration 1764413000000, same names and
 * columns). Maintaining them row by row cost the replay about a quarter of its speed on the
 * shared machine; dropped once the tables are empty and built in one sort each after the
 * replay (also when it fails), they cost a few seconds per million reports. Each statement
 * commits on its own and locks one table, so none can deadlock with a projector batch. Only a
 * rebuild process killed mid-replay leaves them missing: searches without a theatre are then
 * slow, not wrong, until the next `npm run rebuild` builds them.
 */
const SEARCH_TIME_INDEXES = [
  ['rm_deployments_time_idx', 'rm_deployments'],
  ['rm_casualties_time_idx', 'rm_casualties'],
  ['rm_violations_time_idx', 'rm_ceasefire_violations'],
  ['rm_sanction_demands_time_idx', 'rm_sanction_demands'],
] as const;

async function dropSearchTimeIndexes(pool: Pool): Promise<void> {
  for (const [index] of SEARCH_TIME_INDEXES) await pool.query(`DROP INDEX IF EXISTS ${index}`);
}

async function createSearchTimeIndexes(pool: Pool): Promise<void> {
  for (const [index, table] of SEARCH_TIME_INDEXES) {
    await pool.query(`CREATE INDEX IF NOT EXISTS ${index} ON ${table} (occurred_at, report_id)`);
  }
}

async function replay(
  pool: Pool,
  name: string,
  head: Checkpoint,
  options: RebuildOptions,
  started: number,
  events: number,
): Promise<RebuildResult> {
  const writer = new ReadModelWriter();
  let lastFailure: string | undefined;
  const subscription = await startSubscription({
    pool,
    name,
    batchSize: options.batchSize ?? REBUILD_BATCH_SIZE,
    handle: async (events, tx) => {
      await writer.apply(tx, events);
    },
    pollIntervalMs: 200,
    retry: { initialMs: 100, maxMs: 2000 },
    onParked: options.onParked,
    onError: (error, context) => {
      lastFailure = describeSubscriptionFailure(error, context);
      options.onFailure?.(lastFailure);
    },
  });
  try {
    const stallTimeoutMs = options.stallTimeoutMs ?? 60_000;
    let last = START;
    let lastMovedAt = performance.now();
    for (;;) {
      const checkpoint = await loadCheckpoint(pool, name);
      options.onProgress?.({ position: checkpoint.position, head: head.position });
      if (compareCheckpoints(checkpoint, head) >= 0) break;
      if (compareCheckpoints(checkpoint, last) !== 0) {
        last = checkpoint;
        lastMovedAt = performance.now();
      } else if (performance.now() - lastMovedAt > stallTimeoutMs) {
        // Say why: the last failure this process saw (another process's projector, when it
        // holds the subscription, logs its own).
        throw new Error(
          `Rebuild stalled at position ${checkpoint.position} of ${head.position}` +
            (lastFailure
              ? `: ${lastFailure}`
              : ': no failure seen in this process (a projector running elsewhere holds the subscription; see its log)'),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await subscription.stop();
  }
  return {
    events,
    head: head.position,
    elapsedMs: performance.now() - started,
    parked: await listParkedEvents(pool, name),
  };
}
