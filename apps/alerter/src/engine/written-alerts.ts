/**
 * The alerts whose evidence this runner wrote since its last restore, so that the next batch
 * need not read that evidence back from alert_evidence: the engine hands it over as each
 * updated or resolved alert's `previous` (engine option `withPrevious`), and what the alerter
 * last wrote for an alert is the engine's last version of it (a step is skipped only when
 * nothing changed, evidence included). Only what committed may be in it: the runner empties it
 * whenever its state is not a committed checkpoint's (a failed batch, another process
 * meanwhile, a restore: a restored engine may follow other rules than the stored alerts were
 * written with). Users never change evidence, so their actions do not make it stale.
 *
 * It holds ids only (the engine's own strings), so it can cover many batches: a catch-up batch
 * of 5,000 events changes about 1,500 alerts of the bench's history. It used to hold the
 * evidence lists themselves, which kept their entries alive after the engine let an alert go,
 * and so had to stay small (2,048 lists): most alerts of a batch were read back
 * (docs/BENCHMARKS.md, notes on the alerter's catch-up). Bounded: the least recently written
 * fall out (and are read again); an alert the engine resolved is forgotten (the engine lets it
 * go).
 */
export class WrittenAlerts {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity = 50_000) {}

  has(alertId: string): boolean {
    return this.ids.has(alertId);
  }

  add(alertId: string): void {
    this.ids.delete(alertId);
    this.ids.add(alertId);
    if (this.ids.size > this.capacity) {
      this.ids.delete(this.ids.values().next().value as string);
    }
  }

  delete(alertId: string): void {
    this.ids.delete(alertId);
  }

  clear(): void {
    this.ids.clear();
  }
}
