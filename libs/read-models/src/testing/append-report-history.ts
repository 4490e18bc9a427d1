import { PostgresEventStore, type BatchItem } from '@cm/event-store';
import type { Pool } from 'pg';
import type { HistoryEvent } from '@cm/contracts/testing';

/**
 * Appends history events through the store's appendBatch, `batchSize` streams per
 * transaction; a stream already in the batch in hand starts the next one, so each append
 * carries its exact expected version. Returns the number of events appended.
 */
export async function appendHistory(
  pool: Pool,
  events: Iterable<HistoryEvent>,
  batchSize = 1000,
): Promise<number> {
  const store = new PostgresEventStore(pool);
  let batch: BatchItem[] = [];
  let streams = new Set<string>();
  let appended = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const outcomes = await store.appendBatch(batch);
    const failed = outcomes.find((outcome) => outcome.status === 'conflict');
    if (failed) throw new Error(`history append failed: ${String(failed.error)}`);
    appended += batch.length;
    batch = [];
    streams = new Set();
  };
  for (const event of events) {
    if (batch.length >= batchSize || streams.has(event.streamId)) await flush();
    batch.push({
      streamId: event.streamId,
      events: [{ type: event.type, data: event.data }],
      expectedVersion: event.expectedVersion === 0 ? 'no_stream' : event.expectedVersion,
    });
    streams.add(event.streamId);
  }
  await flush();
  return appended;
}
