import type { Pool } from 'pg';
import type { EngineEvent } from '@cm/escalation';
import type { StoredHistoryOptions } from './stored-history';

/**
 * One theatre's events in the store's reading order (transaction id, then position, as every
 * subscription reads them, so a backtest replays them in the alerter's order), never past a
 * transaction still in flight. The index on the events' theatre (migration 1764150000000) means
 * only that theatre's events are read, not the whole store.
 */
const THEATRE_EVENTS = `
  DECLARE theatre_history NO SCROLL CURSOR FOR
  SELECT position, recorded_at, type, data FROM events
  WHERE data->>'theatre' = $1 AND position <= $2
    AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
  ORDER BY transaction_id, position`;

interface EventRow {
  position: string;
  recorded_at: Date;
  type: string;
  data: unknown;
}

/**
 * Streams one theatre's history through a server-side cursor, `pageSize` rows per fetch, in a
 * read-only transaction: it takes no transaction id, so it holds back no subscription while
 * the backtest runs. The connection is returned when the caller stops, early or not.
 */
export async function* theatreHistory(
  pool: Pool,
  theatre: string,
  { throughPosition, pageSize, signal }: StoredHistoryOptions,
): AsyncGenerator<EngineEvent> {
  signal?.throwIfAborted();
  const client = await pool.connect();
  let failure: Error | undefined;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query({ text: THEATRE_EVENTS, values: [theatre, throughPosition] });
    const fetch = `FETCH ${Math.max(1, Math.floor(pageSize))} FROM theatre_history`;
    for (;;) {
      signal?.throwIfAborted();
      const { rows } = await client.query<EventRow>(fetch);
      for (const row of rows) {
        yield {
          position: Number(row.position),
          recordedAt: row.recorded_at,
          type: row.type,
          data: row.data,
        };
      }
      if (rows.length < pageSize) break;
    }
  } catch (error) {
    failure = error as Error;
    throw error;
  } finally {
    // Ends the transaction (and the cursor with it); a connection that failed is dropped.
    await client.query('ROLLBACK').catch((error: Error) => {
      failure ??= error;
    });
    client.release(failure);
  }
}
