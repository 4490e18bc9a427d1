import { START } from '@cm/event-store';
import type { PostgresEventStore, StoredEvent } from '@cm/event-store';

export interface StoredHistoryOptions {
  /** Events after this position (the store's head when the read began) are left out. */
  throughPosition: number;
  pageSize: number;
  /** Stops the read between pages (the client went away): the generator throws its reason. */
  signal?: AbortSignal;
}

/**
 * The stored events in reading order, page by page, so that a backtest over a million events
 * holds one page (and the engine's bounded state) at a time, never the history. The next page
 * is fetched while the caller works on the current one.
 */
export async function* storedHistory(
  store: Pick<PostgresEventStore, 'readAll'>,
  { throughPosition, pageSize, signal }: StoredHistoryOptions,
): AsyncGenerator<StoredEvent> {
  signal?.throwIfAborted();
  let page = await store.readAll({ after: START, limit: pageSize });
  for (;;) {
    const { events, checkpoint } = page;
    // A short page is the end of what is committed; a page wholly past the head was appended
    // after the backtest began.
    const last = events.length < pageSize || events.every((e) => e.position > throughPosition);
    const next = last ? undefined : store.readAll({ after: checkpoint, limit: pageSize });
    // A rejected prefetch must not go unhandled while the caller still works on this page.
    next?.catch(() => undefined);
    for (const event of events) if (event.position <= throughPosition) yield event;
    if (!next) return;
    signal?.throwIfAborted();
    page = await next;
  }
}
