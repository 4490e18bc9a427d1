import type { BatchItem } from './event-store.types';
import type { AppendBatchOutcome } from './postgres-event-store';

export interface AppendCoalescerOptions {
  /** Items per transaction at most. */
  maxBatch?: number;
  /** Transactions in flight at once; new items wait for the next one. */
  maxInFlight?: number;
}

/**
 * Group commit for many small appends from concurrent callers (one HTTP request each):
 * items that arrive while earlier transactions are in flight go together into the next
 * `appendBatch`, one transaction for all of them. Nothing waits on a timer: an item that
 * finds a free slot goes at once, so a lone request pays no extra latency; under load the
 * queue forms by itself and each commit (and its WAL flush) carries many reports.
 * Each caller still gets its own outcome: created, duplicate, conflict, or rejected when
 * its own content cannot be stored (the others of its transaction are stored regardless).
 */
export class AppendCoalescer {
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private readonly queue: {
    item: BatchItem;
    resolve: (outcome: AppendBatchOutcome) => void;
    reject: (error: unknown) => void;
  }[] = [];
  private inFlight = 0;

  constructor(
    private readonly store: { appendBatch(items: BatchItem[]): Promise<AppendBatchOutcome[]> },
    options: AppendCoalescerOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.maxInFlight = options.maxInFlight ?? 2;
  }

  append(item: BatchItem): Promise<AppendBatchOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.drain();
    });
  }

  private drain(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight += 1;
      this.store
        .appendBatch(batch.map((entry) => entry.item))
        .then(
          (outcomes) => batch.forEach((entry, index) => entry.resolve(outcomes[index]!)),
          // An item PostgreSQL refuses comes back as its own 'rejected' outcome (appendBatch
          // isolates it), so what lands here is a failure of the transaction itself (the
          // database down): it fails every caller in it. Their items were not stored, unless
          // the connection broke after the commit; a resend is then a duplicate.
          (error: unknown) => batch.forEach((entry) => entry.reject(error)),
        )
        .finally(() => {
          this.inFlight -= 1;
          this.drain();
        });
    }
  }
}
