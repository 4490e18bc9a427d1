import type { Queryable } from '@cm/platform/plumbing';
import type { Checkpoint } from './checkpoint';
import type { StoredEvent } from './event-store.types';
import { READ_ALL } from './event-store.sql';

export interface EventRow {
  position: string;
  transaction_id: string;
  event_id: string;
  stream_id: string;
  stream_version: number;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  recorded_at: Date;
}

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    position: Number(row.position),
    transactionId: row.transaction_id,
    eventId: row.event_id,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at,
  };
}

export interface ReadAllPage {
  events: StoredEvent[];
  /** After the last event returned; the given checkpoint when none was. */
  checkpoint: Checkpoint;
  /** Committed events exist that wait for an older transaction still open. */
  heldBack: boolean;
}

/** One page of all events after `after`, never passing a transaction still in flight. */
export async function readAllAfter(
  db: Queryable,
  after: Checkpoint,
  limit: number,
): Promise<ReadAllPage> {
  const { rows } = await db.query<EventRow & { held_back: boolean }>({
    name: 'cm_es_read_all',
    text: READ_ALL,
    values: [after.transactionId, after.position, limit],
  });
  const events: StoredEvent[] = [];
  for (const row of rows) if (row.position !== null) events.push(toStoredEvent(row));
  const last = events[events.length - 1];
  return {
    events,
    checkpoint: last ? { position: last.position, transactionId: last.transactionId } : after,
    heldBack: rows[0]?.held_back ?? false,
  };
}

/** The event at `position`, or null when none is stored there (a gap). */
export async function readEventAt(db: Queryable, position: number): Promise<StoredEvent | null> {
  const { rows } = await db.query<EventRow>(
    `SELECT position::text AS position, transaction_id::text AS transaction_id, event_id,
            stream_id, stream_version, type, data, metadata, recorded_at
     FROM events WHERE position = $1`,
    [position],
  );
  return rows[0] === undefined ? null : toStoredEvent(rows[0]);
}
