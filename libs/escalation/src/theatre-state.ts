import type { Alert } from './alert.types';
import type { ReportRecord } from './report-record';
import type { EvidenceAggregates } from './summary-aggregates';
import { firstAtOrAfter, insertionIndex } from './report-record';
import type { PatternRecords } from './rule-evaluation';

/**
 * An alert the engine still follows: its firings can still change. It covers the firings
 * anchored in [coverFrom, coverTo], a span that only grows, within the cooldown of its first
 * firing either way: `firstFiring - cooldown <= coverFrom <= firstFiring <= coverTo <=
 * firstFiring + cooldown`. Covers of a rule's alerts never overlap, so a firing belongs to one
 * alert and stays with it.
 */
export interface TrackedAlert {
  /** The anchor time of the firing that raised it; the cooldown counts from here. */
  firstFiring: number;
  coverFrom: number;
  coverTo: number;
  /** As last reported in a change. */
  alert: Alert;
  /**
   * The summary's functions over the alert's last evidence, so that an update costs what
   * changed (not kept in snapshots: made again from the evidence at the next update).
   */
  aggregates?: EvidenceAggregates;
}

export interface RuleAlerts {
  /** How many alerts the rule has raised in the theatre: part of the next alert's id. */
  raised: number;
  /** Sorted by cover; covers never overlap. */
  alerts: TrackedAlert[];
}

/** One theatre's reports (current versions, compacted) and its rules' alerts. */
export class TheatreState implements PatternRecords {
  /** The newest occurredAt of any report filed or corrected in the theatre. */
  watermark = -Infinity;
  readonly byId = new Map<string, ReportRecord>();
  /** Per pattern, its records sorted by compareRecords. */
  private readonly lists: ReportRecord[][];
  readonly rules: RuleAlerts[];

  constructor(
    readonly theatre: string,
    patternCount: number,
    ruleCount: number,
  ) {
    this.lists = Array.from({ length: patternCount }, () => []);
    this.rules = Array.from({ length: ruleCount }, () => ({ raised: 0, alerts: [] }));
  }

  records(pattern: number): readonly ReportRecord[] {
    return this.lists[pattern];
  }

  insert(record: ReportRecord): void {
    this.byId.set(record.id, record);
    for (const pattern of record.patterns) {
      const list = this.lists[pattern];
      list.splice(insertionIndex(list, record), 0, record);
    }
  }

  remove(record: ReportRecord): void {
    this.byId.delete(record.id);
    for (const pattern of record.patterns) {
      const list = this.lists[pattern];
      const index = insertionIndex(list, record);
      if (list[index] === record) list.splice(index, 1);
    }
  }

  /**
   * Forgets every report that occurred before `bound`. Kept reports are all in some pattern's
   * list unless `keepsUnmatched`, so the lists' heads name them without a walk over all.
   */
  forgetBefore(bound: number, keepsUnmatched: boolean): void {
    for (const list of this.lists) {
      const cut = firstAtOrAfter(list, bound);
      for (let index = 0; index < cut; index++) this.byId.delete(list[index].id);
      if (cut > 0) list.splice(0, cut);
    }
    if (keepsUnmatched) {
      for (const [id, record] of this.byId) if (record.t < bound) this.byId.delete(id);
    }
  }
}
