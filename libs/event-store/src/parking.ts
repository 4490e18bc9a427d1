import type { StoredEvent } from './event-store.types';
import { isTransientFailure } from '@cm/platform/plumbing';
import type { Queryable } from '@cm/platform/plumbing';

/**
 * Parking: what every subscriber (store subscriptions, Kafka consumer groups, relays) does with
 * an event it cannot handle. Bounded tries of the failing batch with a back-off, then the batch
 * is split until the failing event stands alone, then that event is parked: a row in
 * `parked_events` written in the transaction that moves the subscriber's progress past it. The
 * subscriber goes on. Failures that are not the event's (database unreachable, a rebuild holding
 * the read models) are retried without using up tries, and each one is reported.
 */

/** An error's message, code and stack, trimmed to what a row and a log line should hold. */
export interface FailureSummary {
  message: string;
  code: string | null;
  stack: string | null;
}

export function summarizeFailure(error: unknown): FailureSummary {
  const failure = error instanceof Error ? error : new Error(String(error));
  const code = (failure as { code?: unknown }).code;
  return {
    message: (failure.message || failure.name).slice(0, 2000),
    code: typeof code === 'string' || typeof code === 'number' ? String(code).slice(0, 100) : null,
    stack: failure.stack ? failure.stack.slice(0, 4000) : null,
  };
}

/** The event named in log lines and errors: position, id, stream and type. */
export function describeEvent(event: StoredEvent): string {
  return `position ${event.position} (event ${event.eventId}, stream ${event.streamId}, type ${event.type})`;
}

/** What the parking of one event records. */
export interface ParkingRecord {
  subscriber: string;
  event: StoredEvent;
  error: unknown;
  attempts: number;
  firstFailedAt: Date;
  partition?: number | null;
}

/**
 * Writes the parked row, in the caller's transaction (the one that moves the subscriber's
 * progress past the event). Parking the same event again (a rebuild replaying it) updates the
 * row and adds the attempts.
 */
export async function recordParkedEvent(tx: Queryable, record: ParkingRecord): Promise<void> {
  const { event } = record;
  const failure = summarizeFailure(record.error);
  await tx.query(
    `INSERT INTO parked_events (subscriber, position, transaction_id, event_id, stream_id, type,
       partition, error_message, error_code, error_stack, attempts, first_failed_at, last_failed_at)
     VALUES ($1, $2, $3::xid8, $4, $5, $6, $7, $8, $9, $10, $11, $12, now())
     ON CONFLICT (subscriber, position) DO UPDATE SET
       error_message = excluded.error_message, error_code = excluded.error_code,
       error_stack = excluded.error_stack,
       attempts = parked_events.attempts + excluded.attempts,
       last_failed_at = excluded.last_failed_at, parked_at = now(), retry_requested_at = NULL`,
    [
      record.subscriber,
      event.position,
      event.transactionId,
      event.eventId,
      event.streamId,
      event.type,
      record.partition ?? null,
      failure.message,
      failure.code,
      failure.stack,
      record.attempts,
      record.firstFailedAt,
    ],
  );
}

/** A parked event as listed to administrators. */
export interface ParkedEvent {
  subscriber: string;
  position: number;
  transactionId: string;
  eventId: string;
  streamId: string;
  type: string;
  partition: number | null;
  error: { message: string; code: string | null; stack: string | null };
  attempts: number;
  firstFailedAt: string;
  lastFailedAt: string;
  parkedAt: string;
  retryRequestedAt: string | null;
  lastRetryAt: string | null;
}

interface ParkedRow {
  subscriber: string;
  position: string;
  transaction_id: string;
  event_id: string;
  stream_id: string;
  type: string;
  partition: number | null;
  error_message: string;
  error_code: string | null;
  error_stack: string | null;
  attempts: number;
  first_failed_at: Date;
  last_failed_at: Date;
  parked_at: Date;
  retry_requested_at: Date | null;
  last_retry_at: Date | null;
}

const PARKED_COLUMNS = `subscriber, position::text AS position, transaction_id::text AS transaction_id,
  event_id, stream_id, type, partition, error_message, error_code, error_stack, attempts,
  first_failed_at, last_failed_at, parked_at, retry_requested_at, last_retry_at`;

function toParkedEvent(row: ParkedRow): ParkedEvent {
  return {
    subscriber: row.subscriber,
    position: Number(row.position),
    transactionId: row.transaction_id,
    eventId: row.event_id,
    streamId: row.stream_id,
    type: row.type,
    partition: row.partition,
    error: { message: row.error_message, code: row.error_code, stack: row.error_stack },
    attempts: row.attempts,
    firstFailedAt: row.first_failed_at.toISOString(),
    lastFailedAt: row.last_failed_at.toISOString(),
    parkedAt: row.parked_at.toISOString(),
    retryRequestedAt: row.retry_requested_at?.toISOString() ?? null,
    lastRetryAt: row.last_retry_at?.toISOString() ?? null,
  };
}

/** Every parked event, by subscriber then position (or one subscriber's). */
export async function listParkedEvents(db: Queryable, subscriber?: string): Promise<ParkedEvent[]> {
  const { rows } = await db.query<ParkedRow>(
    `SELECT ${PARKED_COLUMNS} FROM parked_events
     WHERE $1::text IS NULL OR subscriber = $1
     -- Qualified: a bare position is the text alias above, which sorts 10 before 9.
     ORDER BY parked_events.subscriber, parked_events.position`,
    [subscriber ?? null],
  );
  return rows.map(toParkedEvent);
}

export async function findParkedEvent(
  db: Queryable,
  subscriber: string,
  position: number,
): Promise<ParkedEvent | null> {
  const { rows } = await db.query<ParkedRow>(
    `SELECT ${PARKED_COLUMNS} FROM parked_events WHERE subscriber = $1 AND position = $2`,
    [subscriber, position],
  );
  return rows[0] === undefined ? null : toParkedEvent(rows[0]);
}

/** Parked events per subscriber (subscribers with none are absent). */
export async function countParkedEvents(db: Queryable): Promise<Map<string, number>> {
  const { rows } = await db.query<{ subscriber: string; n: string }>(
    `SELECT subscriber, count(*)::text AS n FROM parked_events GROUP BY subscriber`,
  );
  return new Map(rows.map((row) => [row.subscriber, Number(row.n)]));
}

/** Deletes a parked row: the event stays skipped by that subscriber. False when unknown. */
export async function discardParkedEvent(
  db: Queryable,
  subscriber: string,
  position: number,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `DELETE FROM parked_events WHERE subscriber = $1 AND position = $2`,
    [subscriber, position],
  );
  return rowCount === 1;
}

/**
 * Asks the process that owns `subscriber` to handle the parked event once more (it looks for
 * requests on each loop). Returns the request's time, or null when no such row exists.
 */
export async function requestParkedRetry(
  db: Queryable,
  subscriber: string,
  position: number,
): Promise<Date | null> {
  const { rows } = await db.query<{ at: Date }>(
    `UPDATE parked_events SET retry_requested_at = clock_timestamp()
     WHERE subscriber = $1 AND position = $2 RETURNING retry_requested_at AS at`,
    [subscriber, position],
  );
  return rows[0]?.at ?? null;
}

/** The retries requested of `subscriber`, oldest first. */
export async function retryRequests(
  db: Queryable,
  subscriber: string,
  limit = 10,
): Promise<ParkedEvent[]> {
  const { rows } = await db.query<ParkedRow>(
    `SELECT ${PARKED_COLUMNS} FROM parked_events
     WHERE subscriber = $1 AND retry_requested_at IS NOT NULL
     ORDER BY retry_requested_at LIMIT $2`,
    [subscriber, limit],
  );
  return rows.map(toParkedEvent);
}

/** A retry succeeded: the event is handled, its row goes (in the handler's transaction). */
export async function settleRetrySucceeded(
  tx: Queryable,
  subscriber: string,
  position: number,
): Promise<void> {
  await tx.query(`DELETE FROM parked_events WHERE subscriber = $1 AND position = $2`, [
    subscriber,
    position,
  ]);
}

/** A retry failed: the row stays with the new cause and one more attempt. */
export async function settleRetryFailed(
  db: Queryable,
  subscriber: string,
  position: number,
  error: unknown,
): Promise<void> {
  const failure = summarizeFailure(error);
  await db.query(
    `UPDATE parked_events SET attempts = attempts + 1, error_message = $3, error_code = $4,
       error_stack = $5, last_failed_at = now(), last_retry_at = now(), retry_requested_at = NULL
     WHERE subscriber = $1 AND position = $2`,
    [subscriber, position, failure.message, failure.code, failure.stack],
  );
}

/** One failure of a try, as reported to the subscriber's log (one line each). */
export interface HandlingFailure<T> {
  items: readonly T[];
  error: unknown;
  /** True when it uses up no try (not the event's fault). */
  transient: boolean;
  /** Tries used so far on these items (transient failures excluded). */
  tries: number;
}

export interface HandleOrParkOptions<T> {
  /** Handles `items` in one transaction that also moves the progress past them; throws on failure. */
  handle: (items: T[]) => Promise<void>;
  /** Parks `item` (row and progress past it, one transaction); throws to be tried again. */
  park: (
    item: T,
    failure: { error: unknown; attempts: number; firstFailedAt: Date },
  ) => Promise<void>;
  /** Waits before the next try (attempt 1, 2, ...); may throw to give up (stopping, lost). */
  pause: (attempt: number) => Promise<void>;
  /** Tries of a single item before it is parked (default 3). */
  maxTries?: number;
  /** Whether a failure is not the item's fault (default isTransientFailure). */
  isTransient?: (error: unknown) => boolean;
  /** Failures that must end the whole run (thrown on at once), e.g. progress moved. */
  isFatal?: (error: unknown) => boolean;
  onFailure?: (failure: HandlingFailure<T>) => void;
  /** The failure of a first try made before calling (it counts as a try). */
  firstFailure?: unknown;
}

/**
 * Handles `items` in order with the parking policy: the whole run is tried up to `maxTries`
 * times with back-off; then it is halved, each half tried once and halved again on failure,
 * until a single item has failed `maxTries` times and is parked. Items before and after it are
 * handled normally. Transient failures wait and retry without using up tries.
 */
export async function handleOrPark<T>(items: T[], options: HandleOrParkOptions<T>): Promise<void> {
  const maxTries = options.maxTries ?? 3;
  const isTransient = options.isTransient ?? isTransientFailure;
  const firstFailedAt = new Date();

  const run = async (part: T[], triesBeforeSplit: number, earlier?: unknown): Promise<void> => {
    let tries = 0;
    let waits = 0;
    let lastError: unknown;
    let pending = earlier;
    for (;;) {
      let error: unknown;
      if (pending !== undefined) {
        error = pending;
        pending = undefined;
      } else {
        try {
          await options.handle(part);
          return;
        } catch (failure) {
          error = failure;
        }
      }
      if (options.isFatal?.(error)) throw error;
      if (isTransient(error)) {
        waits++;
        options.onFailure?.({ items: part, error, transient: true, tries });
        await options.pause(waits);
        continue;
      }
      tries++;
      lastError = error;
      options.onFailure?.({ items: part, error, transient: false, tries });
      if (part.length > 1 && tries >= triesBeforeSplit) {
        // One bad item must not hold back the others: halve until it stands alone. A half
        // that fails is split again at once; only the single item gets all its tries.
        const middle = Math.ceil(part.length / 2);
        await run(part.slice(0, middle), 1);
        await run(part.slice(middle), 1);
        return;
      }
      if (part.length === 1 && tries >= maxTries) {
        await parkWithRetries(part[0]!, lastError, tries);
        return;
      }
      await options.pause(tries);
    }
  };

  const parkWithRetries = async (item: T, error: unknown, attempts: number): Promise<void> => {
    for (let waits = 1; ; waits++) {
      try {
        await options.park(item, { error, attempts, firstFailedAt });
        return;
      } catch (failure) {
        if (options.isFatal?.(failure)) throw failure;
        options.onFailure?.({ items: [item], error: failure, transient: true, tries: attempts });
        await options.pause(waits);
      }
    }
  };

  await run(items, maxTries, options.firstFailure);
}
