import type { StoredAlert } from '@cm/alerts';

type Evidence = StoredAlert['evidence'];

/**
 * The evidence the alerter last wrote for its most recently changed alerts, so that the next
 * batch need not read it back from alert_evidence (an alert's evidence can hold thousands of
 * entries; the lists are the engine's own, shared, not copies), and its difference with the new
 * list, which is what gets written, is mostly a walk over shared entries. Only what committed
 * may be in it: the runner empties it whenever its state is not a committed checkpoint's (a
 * failed batch, another process meanwhile, a restore). Users never change evidence, so their
 * actions do not make it stale. Bounded: the least recently written alerts fall out and are read again. The
 * lists keep their entries alive after the engine lets an alert go, so the bound is kept small
 * (a batch of 2,000 events changes a few hundred alerts of the synthetic history; 20,000 lists
 * held tens of MB on a million events, and the capped heap ran out).
 */
export class WrittenEvidence {
  private readonly lists = new Map<string, Evidence>();

  constructor(private readonly capacity = 2_048) {}

  get(alertId: string): Evidence | undefined {
    return this.lists.get(alertId);
  }

  set(alertId: string, evidence: Evidence): void {
    this.lists.delete(alertId);
    this.lists.set(alertId, evidence);
    if (this.lists.size > this.capacity) {
      this.lists.delete(this.lists.keys().next().value as string);
    }
  }

  clear(): void {
    this.lists.clear();
  }
}
