import { isDeepStrictEqual } from 'node:util';
import { compareCheckpoints, toStoredEvent } from '@cm/event-store';
import type { Checkpoint, EventRow, StoredEvent } from '@cm/event-store';
import type { Queryable } from '@cm/platform/plumbing';
import { checkpointOfEvent } from './report-message';

/**
 * A message whose claims (store-transaction-id and position headers, event id, type, stream,
 * data, metadata, partition) do not match the event the store holds at that position. It is
 * dead-lettered and moves no progress: a consumer only goes as far as the store can prove.
 */
export class UnverifiedMessageError extends Error {
  override readonly name = 'UnverifiedMessageError';
}

/**
 * The theatre (message key) of a stored event in SQL, as theatreOf() computes it in JS: the
 * data's `theatre` when it is a string, else the stream id.
 */
export const THEATRE_SQL = `coalesce(CASE WHEN jsonb_typeof(events.data->'theatre') = 'string'
  THEN events.data->>'theatre' END, events.stream_id)`;

/*
 * Note the text aliases: every ORDER BY names events.transaction_id and events.position, the
 * columns, never the aliases (a text order puts transaction 10 before 9 and loses events).
 */
const COLUMNS = `events.position::text AS position, events.transaction_id::text AS transaction_id,
  events.event_id::text AS event_id, events.stream_id, events.stream_version, events.type,
  events.data, events.metadata, events.recorded_at`;

/** The stored events at `positions`, by position (absent where the store has none). */
export async function storedEventsAt(
  db: Queryable,
  positions: readonly number[],
): Promise<Map<number, StoredEvent>> {
  if (positions.length === 0) return new Map();
  const { rows } = await db.query<EventRow>(
    `SELECT ${COLUMNS} FROM events WHERE events.position = ANY($1::bigint[])`,
    [positions],
  );
  return new Map(rows.map((row) => [Number(row.position), toStoredEvent(row)]));
}

/**
 * Why `claimed` (decoded from a message on `partition`) is not the stored event `stored`, or
 * null when it is. `partitionOf` maps a stored event to its partition.
 */
export function mismatch(
  claimed: StoredEvent,
  stored: StoredEvent | undefined,
  partition: number,
  partitionOf: (event: StoredEvent) => number,
): string | null {
  if (!stored) return `the store holds no event at position ${claimed.position}`;
  const differs: string[] = [];
  if (claimed.transactionId !== stored.transactionId) differs.push('store-transaction-id');
  if (claimed.eventId !== stored.eventId) differs.push('eventId');
  if (claimed.type !== stored.type) differs.push('type');
  if (claimed.streamId !== stored.streamId) differs.push('streamId');
  if (claimed.streamVersion !== stored.streamVersion) differs.push('streamVersion');
  if (claimed.recordedAt.getTime() !== stored.recordedAt.getTime()) differs.push('recordedAt');
  if (!isDeepStrictEqual(claimed.data, stored.data)) differs.push('data');
  if (!isDeepStrictEqual(claimed.metadata ?? {}, stored.metadata ?? {})) differs.push('metadata');
  if (differs.length > 0) {
    return `its ${differs.join(', ')} differ${differs.length === 1 ? 's' : ''} from the event the store holds at position ${claimed.position}`;
  }
  const belongs = partitionOf(stored);
  if (belongs !== partition) {
    return `the event at position ${claimed.position} belongs on partition ${belongs}, not ${partition}`;
  }
  return null;
}

/** Store rows read per query while looking for a partition's events in a range. */
const RANGE_PAGE = 20_000;

/**
 * The stored events of one partition after `after` up to and including `upTo`, in the store's
 * read order (transaction id, position), at most `limit` of them. `upTo` is the checkpoint of
 * an event the store holds, so the range is bounded by what it holds; and one the relay
 * published, which it does only once every older transaction has ended, so nothing can still
 * commit inside the range. Throws if the store ever answered out of order (never a silent drop).
 */
export async function partitionEventsBetween(
  db: Queryable,
  after: Checkpoint,
  upTo: Checkpoint,
  limit: number,
  belongs: (theatre: string) => boolean,
): Promise<StoredEvent[]> {
  const positions: number[] = [];
  let cursor = after;
  while (positions.length < limit && compareCheckpoints(cursor, upTo) < 0) {
    const { rows } = await db.query<{ position: string; transaction_id: string; theatre: string }>(
      `SELECT events.position::text AS position, events.transaction_id::text AS transaction_id,
              ${THEATRE_SQL} AS theatre
       FROM events
       WHERE (events.transaction_id, events.position) > ($1::xid8, $2::bigint)
         AND (events.transaction_id, events.position) <= ($3::xid8, $4::bigint)
       ORDER BY events.transaction_id, events.position
       LIMIT $5`,
      [cursor.transactionId, cursor.position, upTo.transactionId, upTo.position, RANGE_PAGE],
    );
    if (rows.length === 0) break;
    for (const row of rows) {
      const at = { position: Number(row.position), transactionId: row.transaction_id };
      if (compareCheckpoints(at, cursor) <= 0) {
        throw new Error(
          `the store answered position ${at.position} (transaction ${at.transactionId}) after ` +
            `position ${cursor.position} (transaction ${cursor.transactionId}): out of read order`,
        );
      }
      cursor = at;
      if (belongs(row.theatre)) {
        positions.push(at.position);
        if (positions.length >= limit) break;
      }
    }
  }
  const stored = await storedEventsAt(db, positions);
  return positions.map((position) => {
    const event = stored.get(position);
    if (!event) throw new Error(`the event at position ${position} vanished from the store`);
    return event;
  });
}

/**
 * The events that arrive after a later one in read order, other than repeats of an event
 * already seen (the relay's republished tail repeats events in order; that is no disorder).
 */
export function outOfReadOrder(events: readonly StoredEvent[]): StoredEvent[] {
  const seen = new Set<number>();
  const late: StoredEvent[] = [];
  let furthest: StoredEvent | undefined;
  for (const event of events) {
    if (seen.has(event.position)) continue;
    seen.add(event.position);
    if (furthest && compareCheckpoints(checkpointOfEvent(event), checkpointOfEvent(furthest)) < 0) {
      late.push(event);
    } else {
      furthest = event;
    }
  }
  return late;
}
