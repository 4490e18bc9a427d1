import { ConcurrencyError, IdempotencyConflictError } from './errors';
import type { AppendResult, BatchItem } from './event-store.types';
import { matchesExpectedVersion } from './expected-version';

export interface StoredIdempotencyKey {
  contentHash: string;
  result: AppendResult;
}

export type PlannedItem =
  /** To be written in this batch's statement, at versions first..last of its stream. */
  | { kind: 'append'; firstVersion: number; lastVersion: number }
  | { kind: 'duplicate'; result: AppendResult }
  /** Same key and content as an earlier item of this batch: shares that item's fate. */
  | { kind: 'same-as'; index: number }
  | { kind: 'conflict'; error: ConcurrencyError | IdempotencyConflictError };

/**
 * Decides, from the streams' current versions and the stored idempotency keys, what each
 * item of a batch becomes. Items are judged in order, as if appended one after the other:
 * an item sees the versions earlier items of the batch would leave, and for a key used
 * twice in the batch the first item wins.
 */
export function planBatch(
  items: readonly BatchItem[],
  currentVersions: ReadonlyMap<string, number>,
  storedKeys: ReadonlyMap<string, StoredIdempotencyKey>,
): PlannedItem[] {
  const versions = new Map(currentVersions);
  const firstByKey = new Map<string, { index: number; contentHash: string }>();
  return items.map((item, index): PlannedItem => {
    const { idempotency } = item;
    if (idempotency) {
      const earlier = firstByKey.get(idempotency.key);
      if (earlier) {
        return earlier.contentHash === idempotency.contentHash
          ? { kind: 'same-as', index: earlier.index }
          : { kind: 'conflict', error: new IdempotencyConflictError(idempotency.key) };
      }
      firstByKey.set(idempotency.key, { index, contentHash: idempotency.contentHash });
      const stored = storedKeys.get(idempotency.key);
      if (stored) {
        return stored.contentHash === idempotency.contentHash
          ? { kind: 'duplicate', result: stored.result }
          : { kind: 'conflict', error: new IdempotencyConflictError(idempotency.key) };
      }
    }
    const current = versions.get(item.streamId) ?? 0;
    if (!matchesExpectedVersion(item.expectedVersion, current)) {
      return {
        kind: 'conflict',
        error: new ConcurrencyError(item.streamId, item.expectedVersion, current),
      };
    }
    const lastVersion = current + item.events.length;
    versions.set(item.streamId, lastVersion);
    return { kind: 'append', firstVersion: current + 1, lastVersion };
  });
}
