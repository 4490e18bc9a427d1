import type { Pool } from 'pg';
import { appendNotifierFor, type AppendNotifier } from './append-notifier';
import { planBatch, type PlannedItem, type StoredIdempotencyKey } from './batch-plan';
import { assertCheckpoint, START, type Checkpoint } from './checkpoint';
import {
  ConcurrencyError,
  IdempotencyConflictError,
  isItemError,
  UnknownPositionError,
  UnstorableEventError,
} from './errors';
import { uuidV7 } from './event-id';
import {
  APPEND_BATCH,
  APPEND_MANY,
  APPEND_ONE,
  BATCH_STATE,
  HEAD_POSITION,
  IDEMPOTENCY_KEY,
  READ_STREAM,
  STREAM_VERSION,
  TRANSACTION_OF_POSITION,
} from './event-store.sql';
import type {
  AppendOptions,
  AppendResult,
  BatchItem,
  NewEvent,
  StoredEvent,
} from './event-store.types';
import { assertExpectedVersion, expectedVersionParam } from './expected-version';
import { readAllAfter, toStoredEvent, type EventRow } from './read-all';

export interface PostgresEventStoreOptions {
  /** Event ids for events given without one; time-ordered UUIDs by default. */
  newId?: () => string;
  /** Told after every committed append; by default the pool's shared notifier. */
  notifier?: AppendNotifier;
}

export type AppendBatchOutcome =
  | { status: 'created'; result: AppendResult }
  | { status: 'duplicate'; result: AppendResult }
  | { status: 'conflict'; error: ConcurrencyError | IdempotencyConflictError }
  /** PostgreSQL refused this item's content; nothing of it was stored, the others were. */
  | { status: 'rejected'; error: UnstorableEventError };

/**
 * An 'any' append that loses a race to a concurrent writer tries again at the new head.
 * Each round has a winner, so a hot stream needs about as many rounds as it has writers.
 */
const ANY_ATTEMPTS = 50;
/** A batch whose plan a concurrent writer invalidated is planned again this many times. */
const BATCH_ATTEMPTS = 10;

interface AppendRow {
  current_version: number;
  next_version: number | null;
  first_position: string | null;
  last_position: string | null;
  content_hash: string | null;
  result: AppendResult | null;
}

/** An event with its id, as sent to PostgreSQL inside one JSON document. */
interface PreparedEvent {
  id: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
}

/**
 * The event store on PostgreSQL through `pg` alone. Every append is a single statement
 * (one round trip, its own transaction); see README.md for the ordering guarantee.
 */
export class PostgresEventStore {
  private readonly newId: () => string;
  private readonly notifier: AppendNotifier;

  constructor(
    private readonly pool: Pool,
    options: PostgresEventStoreOptions = {},
  ) {
    this.newId = options.newId ?? (() => uuidV7());
    this.notifier = options.notifier ?? appendNotifierFor(pool);
  }

  /**
   * Appends to one stream if it is at the expected version. With an idempotency key seen
   * before, returns the original result (duplicate: true) when the content hash matches
   * and throws IdempotencyConflictError when it does not; nothing is written either way.
   */
  async append(
    streamId: string,
    events: NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult & { duplicate: boolean }> {
    assertStreamId(streamId);
    assertEvents(events);
    assertExpectedVersion(options.expectedVersion);
    const prepared = this.prepare(events);
    const key = options.idempotency?.key ?? null;
    const hash = options.idempotency?.contentHash ?? null;
    const required = expectedVersionParam(options.expectedVersion);
    const only = prepared.length === 1 ? prepared[0] : undefined;
    const query =
      only !== undefined
        ? {
            name: 'cm_es_append_one',
            text: APPEND_ONE,
            values: [
              streamId,
              only.id,
              only.type,
              JSON.stringify(only.data),
              JSON.stringify(only.metadata),
              key,
              hash,
              required,
            ],
          }
        : {
            name: 'cm_es_append_many',
            text: APPEND_MANY,
            values: [streamId, JSON.stringify(prepared), key, hash, required],
          };
    for (let attempt = 1; ; attempt++) {
      let row: AppendRow;
      try {
        // The append's SELECT returns one row, whatever happened.
        row = (await this.pool.query<AppendRow>(query)).rows[0]!;
      } catch (error) {
        if (isItemError(error)) throw unstorable(streamId, error);
        if (!isUniqueViolation(error)) throw error;
        // Another writer committed first; decide as if we had come after it.
        const duplicate = await this.duplicateOf(options);
        if (duplicate) return { ...duplicate, duplicate: true };
        if (error.constraint !== 'events_stream_version_unique') throw error;
        if (options.expectedVersion === 'any' && attempt < ANY_ATTEMPTS) continue;
        throw new ConcurrencyError(
          streamId,
          options.expectedVersion,
          await this.streamVersion(streamId),
        );
      }
      if (row.content_hash !== null && row.result !== null) {
        if (row.content_hash !== hash) throw new IdempotencyConflictError(key ?? '');
        return { ...appendResultOf(row.result), duplicate: true };
      }
      if (row.next_version === null || row.first_position === null || row.last_position === null) {
        throw new ConcurrencyError(streamId, options.expectedVersion, row.current_version);
      }
      this.notifier.notify();
      return {
        streamId,
        nextExpectedVersion: row.next_version,
        firstPosition: Number(row.first_position),
        lastPosition: Number(row.last_position),
        duplicate: false,
      };
    }
  }

  /**
   * Appends many items in ONE transaction (one statement). Items that conflict are left
   * out and reported; they do not abort the others. Within the batch, a key used twice
   * goes to the first item: a later identical item is its duplicate, a different one a
   * conflict. Results come back in the items' order.
   */
  async appendBatch(items: BatchItem[]): Promise<AppendBatchOutcome[]> {
    for (const item of items) {
      assertStreamId(item.streamId);
      assertEvents(item.events);
      assertExpectedVersion(item.expectedVersion);
    }
    if (items.length === 0) return [];
    const prepared = items.map((item) => this.prepare(item.events));
    return this.appendIsolated(items, prepared);
  }

  /**
   * One transaction for all the items; when PostgreSQL refuses it because of what some
   * item carried, the halves are appended apart, in order, until the refused items stand
   * alone: the others are stored and only those are `rejected`. A good batch costs one
   * transaction as before; one bad item among n costs about 2 log2(n) more. Halves keep the
   * batch's order, so items are still judged as if appended one after the other.
   */
  private async appendIsolated(
    items: BatchItem[],
    prepared: PreparedEvent[][],
  ): Promise<AppendBatchOutcome[]> {
    try {
      return await this.appendTogether(items, prepared);
    } catch (error) {
      if (!isItemError(error)) throw error;
      if (items.length === 1) {
        return [{ status: 'rejected', error: unstorable(items[0]!.streamId, error) }];
      }
      const half = Math.ceil(items.length / 2);
      const first = await this.appendIsolated(items.slice(0, half), prepared.slice(0, half));
      const second = await this.appendIsolated(items.slice(half), prepared.slice(half));
      return [...first, ...second];
    }
  }

  private async appendTogether(
    items: BatchItem[],
    prepared: PreparedEvent[][],
  ): Promise<AppendBatchOutcome[]> {
    const streamIds = [...new Set(items.map((item) => item.streamId))];
    const keys = [...new Set(items.flatMap((item) => item.idempotency?.key ?? []))];
    for (let attempt = 1; ; attempt++) {
      const state = await this.pool.query<{
        id: string;
        version: number | null;
        content_hash: string | null;
        result: AppendResult | null;
      }>({ name: 'cm_es_batch_state', text: BATCH_STATE, values: [streamIds, keys] });
      const versions = new Map<string, number>();
      const storedKeys = new Map<string, StoredIdempotencyKey>();
      for (const row of state.rows) {
        if (row.content_hash !== null && row.result !== null) {
          storedKeys.set(row.id, { contentHash: row.content_hash, result: row.result });
        } else if (row.version !== null) {
          versions.set(row.id, row.version);
        }
      }
      const plan = planBatch(items, versions, storedKeys);
      let positions: Map<number, { first: number; last: number }>;
      try {
        positions = await this.insertPlanned(items, prepared, plan);
      } catch (error) {
        // A concurrent writer took a version or key this plan counted on: plan again.
        if (isUniqueViolation(error) && attempt < BATCH_ATTEMPTS) continue;
        throw error;
      }
      if (positions.size > 0) this.notifier.notify();
      return resolveOutcomes(items, plan, positions);
    }
  }

  /** The stream's events in version order, from `fromVersion` (default 1); [] when absent. */
  async readStream(
    streamId: string,
    options: { fromVersion?: number } = {},
  ): Promise<StoredEvent[]> {
    const fromVersion = options.fromVersion ?? 1;
    if (!Number.isInteger(fromVersion)) throw new RangeError('fromVersion must be an integer');
    const { rows } = await this.pool.query<EventRow>({
      name: 'cm_es_read_stream',
      text: READ_STREAM,
      values: [streamId, fromVersion],
    });
    return rows.map(toStoredEvent);
  }

  /**
   * Events strictly after `after`, in (transaction id, position) order, never passing a
   * transaction that is still in flight, so resuming from the returned checkpoint neither
   * skips an event that commits late nor repeats one.
   */
  async readAll(options: {
    after: Checkpoint;
    limit: number;
  }): Promise<{ events: StoredEvent[]; checkpoint: Checkpoint }> {
    assertCheckpoint(options.after);
    assertLimit(options.limit);
    const { events, checkpoint } = await readAllAfter(this.pool, options.after, options.limit);
    return { events, checkpoint };
  }

  /**
   * readAll for clients that hold only a position (GET /v1/events?after=): the position's
   * transaction id is looked up, so resuming is exactly as safe. 0 starts from the start.
   */
  async readAllAfterPosition(
    position: number,
    limit: number,
  ): Promise<{ events: StoredEvent[]; nextPosition: number }> {
    if (!Number.isSafeInteger(position) || position < 0) throw new UnknownPositionError(position);
    assertLimit(limit);
    const after = position === 0 ? START : await this.checkpointAt(position);
    const { events } = await readAllAfter(this.pool, after, limit);
    const last = events[events.length - 1];
    return { events, nextPosition: last ? last.position : position };
  }

  /** The highest position of a committed event; 0 when there is none. */
  async headPosition(): Promise<number> {
    const { rows } = await this.pool.query<{ position: string }>({
      name: 'cm_es_head_position',
      text: HEAD_POSITION,
    });
    return Number(rows[0]!.position); // max() gives one row
  }

  /** The checkpoint of the event at `position`; UnknownPositionError when there is none. */
  async checkpointAt(position: number): Promise<Checkpoint> {
    return checkpointAtPosition(this.pool, position);
  }

  private prepare(events: NewEvent[]): PreparedEvent[] {
    return events.map((event) => ({
      id: event.eventId ?? this.newId(),
      type: event.type,
      data: event.data,
      metadata: event.metadata ?? {},
    }));
  }

  private async insertPlanned(
    items: BatchItem[],
    prepared: PreparedEvent[][],
    plan: PlannedItem[],
  ): Promise<Map<number, { first: number; last: number }>> {
    const events: (PreparedEvent & { stream: string; version: number })[] = [];
    const planned = {
      items: [] as number[],
      streams: [] as string[],
      first: [] as number[],
      last: [] as number[],
    };
    const keys = { keys: [] as string[], hashes: [] as string[], items: [] as number[] };
    plan.forEach((decision, index) => {
      if (decision.kind !== 'append') return;
      // plan, items and prepared are parallel arrays.
      const item = items[index]!;
      prepared[index]!.forEach((event, i) => {
        events.push({ ...event, stream: item.streamId, version: decision.firstVersion + i });
      });
      planned.items.push(index);
      planned.streams.push(item.streamId);
      planned.first.push(decision.firstVersion);
      planned.last.push(decision.lastVersion);
      if (item.idempotency) {
        keys.keys.push(item.idempotency.key);
        keys.hashes.push(item.idempotency.contentHash);
        keys.items.push(index);
      }
    });
    const positions = new Map<number, { first: number; last: number }>();
    if (events.length === 0) return positions;
    const { rows } = await this.pool.query<{
      item: number;
      first_position: string;
      last_position: string;
    }>({
      name: 'cm_es_append_batch',
      text: APPEND_BATCH,
      values: [
        JSON.stringify(events),
        planned.items,
        planned.streams,
        planned.first,
        planned.last,
        keys.keys,
        keys.hashes,
        keys.items,
      ],
    });
    for (const row of rows) {
      positions.set(row.item, {
        first: Number(row.first_position),
        last: Number(row.last_position),
      });
    }
    return positions;
  }

  private async duplicateOf(options: AppendOptions): Promise<AppendResult | null> {
    if (!options.idempotency) return null;
    const { rows } = await this.pool.query<{ content_hash: string; result: AppendResult }>({
      name: 'cm_es_idempotency_key',
      text: IDEMPOTENCY_KEY,
      values: [options.idempotency.key],
    });
    const [row] = rows;
    if (row === undefined) return null;
    if (row.content_hash !== options.idempotency.contentHash) {
      throw new IdempotencyConflictError(options.idempotency.key);
    }
    return appendResultOf(row.result);
  }

  private async streamVersion(streamId: string): Promise<number> {
    const { rows } = await this.pool.query<{ version: number }>({
      name: 'cm_es_stream_version',
      text: STREAM_VERSION,
      values: [streamId],
    });
    return rows[0]!.version; // coalesce(max()) gives one row
  }
}

export async function checkpointAtPosition(
  db: Pick<Pool, 'query'>,
  position: number,
): Promise<Checkpoint> {
  if (!Number.isSafeInteger(position) || position < 1) throw new UnknownPositionError(position);
  const { rows } = await db.query<{ transaction_id: string }>({
    name: 'cm_es_transaction_of_position',
    text: TRANSACTION_OF_POSITION,
    values: [position],
  });
  if (rows[0] === undefined) throw new UnknownPositionError(position);
  return { position, transactionId: rows[0].transaction_id };
}

function resolveOutcomes(
  items: BatchItem[],
  plan: PlannedItem[],
  positions: Map<number, { first: number; last: number }>,
): AppendBatchOutcome[] {
  const outcomes: AppendBatchOutcome[] = [];
  plan.forEach((planned, index) => {
    switch (planned.kind) {
      case 'append': {
        const written = positions.get(index);
        if (!written) throw new Error(`Batch item ${index} was planned but not written`);
        outcomes.push({
          status: 'created',
          result: {
            streamId: items[index]!.streamId,
            nextExpectedVersion: planned.lastVersion,
            firstPosition: written.first,
            lastPosition: written.last,
          },
        });
        return;
      }
      case 'duplicate':
        outcomes.push({ status: 'duplicate', result: appendResultOf(planned.result) });
        return;
      case 'same-as': {
        // Planned before this item, so already decided.
        const first = outcomes[planned.index]!;
        outcomes.push(
          first.status === 'conflict' || first.status === 'rejected'
            ? first
            : { status: 'duplicate', result: first.result },
        );
        return;
      }
      case 'conflict':
        outcomes.push({ status: 'conflict', error: planned.error });
        return;
    }
  });
  return outcomes;
}

function unstorable(streamId: string, error: unknown): UnstorableEventError {
  const code = (error as { code?: unknown }).code;
  return new UnstorableEventError(
    streamId,
    typeof code === 'string' ? code : undefined,
    error instanceof Error ? error.message : String(error),
  );
}

function appendResultOf(stored: AppendResult): AppendResult {
  return {
    streamId: stored.streamId,
    nextExpectedVersion: stored.nextExpectedVersion,
    firstPosition: stored.firstPosition,
    lastPosition: stored.lastPosition,
  };
}

function isUniqueViolation(error: unknown): error is Error & { code: string; constraint?: string } {
  return error instanceof Error && (error as { code?: unknown }).code === '23505';
}

function assertStreamId(streamId: string): void {
  if (typeof streamId !== 'string' || streamId.length === 0) {
    throw new TypeError('streamId must be a non-empty string');
  }
}

function assertEvents(events: NewEvent[]): void {
  if (!Array.isArray(events) || events.length === 0) {
    throw new RangeError('An append needs at least one event');
  }
  for (const event of events) {
    if (typeof event.type !== 'string' || event.type.length === 0) {
      throw new TypeError('Every event needs a type');
    }
    if (event.data === undefined) throw new TypeError(`Event ${event.type} has no data`);
  }
}

function assertLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be an integer >= 1');
}
