import type { ReportRecord, SlotValue } from './report-record';
import { compareRecords, valueOf } from './report-record';
import type { Scalar } from './rule.types';

/**
 * What a summary's functions (`sum`, `max`, `distinct`, `values`) say of an alert's evidence,
 * kept up to date as the evidence changes instead of recomputed over all of it at each
 * update: an alert that gathers thousands of reports would otherwise cost more per event
 * the more evidence it has. `update` compares the new evidence with the last one (both
 * sorted by compareRecords, records shared between them) and applies only the records that
 * came or went; the figures are exactly those a pass over the whole evidence gives.
 */
export class EvidenceAggregates {
  private evidence: readonly ReportRecord[] = [];
  private readonly fields: FieldAggregate[];

  /** `slots`: the slots the summary's functions read, one aggregate each. */
  constructor(slots: readonly number[]) {
    this.fields = [...new Set(slots)].map((slot) => new FieldAggregate(slot));
  }

  /** Makes the aggregates those of `evidence`. */
  update(evidence: readonly ReportRecord[]): void {
    const old = this.evidence;
    this.evidence = evidence;
    if (this.fields.length === 0 || old === evidence) return;
    // Most updates add a report or two: skip the records both share at either end first.
    let i = 0;
    const shared = Math.min(old.length, evidence.length);
    while (i < shared && old[i] === evidence[i]) i++;
    let oldEnd = old.length;
    let newEnd = evidence.length;
    while (oldEnd > i && newEnd > i && old[oldEnd - 1] === evidence[newEnd - 1]) {
      oldEnd--;
      newEnd--;
    }
    let j = i;
    while (i < oldEnd || j < newEnd) {
      if (i < oldEnd && j < newEnd) {
        const before = old[i];
        const after = evidence[j];
        if (before === after) {
          i++;
          j++;
          continue;
        }
        const order = compareRecords(before, after);
        // The same report in another version: it leaves and its new version comes.
        if (order <= 0) this.leave(old[i++]);
        if (order >= 0) this.enter(evidence[j++]);
      } else if (i < oldEnd) {
        this.leave(old[i++]);
      } else {
        this.enter(evidence[j++]);
      }
    }
  }

  field(slot: number): FieldAggregate {
    const found = this.fields.find((field) => field.slot === slot);
    if (!found) throw new Error(`no aggregate for slot ${slot}`);
    return found;
  }

  private enter(record: ReportRecord): void {
    for (const field of this.fields) field.add(valueOf(record, field.slot), 1);
  }

  private leave(record: ReportRecord): void {
    for (const field of this.fields) field.add(valueOf(record, field.slot), -1);
  }
}

/** One field's values over the evidence, as a multiset. */
export class FieldAggregate {
  /** How many times each value occurs (Set semantics: SameValueZero). */
  private readonly counts = new Map<Scalar, number>();
  /**
   * The sum of the numbers while every partial sum, in any order, is exact: safe integers
   * whose absolute values sum to a safe integer. Otherwise the sum is made again in evidence
   * order, as a pass over the evidence would (floating-point addition depends on order).
   */
  private total = 0;
  private magnitude = 0;
  private totalExact = true;
  private maximum: number | undefined;
  private maximumKnown = true;
  private listed: string | undefined;

  constructor(readonly slot: number) {}

  add(value: SlotValue, times: 1 | -1): void {
    if (value === null) return;
    if (Array.isArray(value)) for (const item of value) this.addOne(item, times);
    else this.addOne(value, times);
  }

  private addOne(value: Scalar, times: 1 | -1): void {
    const count = (this.counts.get(value) ?? 0) + times;
    if (count > 0) this.counts.set(value, count);
    else this.counts.delete(value);
    // A new value, or one gone: the listing changes.
    if (count === 0 || (count === 1 && times > 0)) this.listed = undefined;
    if (typeof value !== 'number') return;
    if (this.totalExact) {
      this.total += times * value;
      this.magnitude += times * Math.abs(value);
      if (!Number.isSafeInteger(value) || !Number.isSafeInteger(this.magnitude)) {
        this.totalExact = false;
      }
    }
    if (times > 0) {
      if (this.maximumKnown && (this.maximum === undefined || value > this.maximum)) {
        this.maximum = value;
      }
    } else if (count === 0 && this.maximum !== undefined && value >= this.maximum) {
      this.maximumKnown = false;
    }
  }

  /** The sum of the numbers, as a pass over `evidence` (the last one updated to) gives it. */
  sum(evidence: readonly ReportRecord[]): number {
    if (this.totalExact) return this.total;
    let total = 0;
    for (const record of evidence) {
      const value = valueOf(record, this.slot);
      if (value === null) continue;
      if (Array.isArray(value)) {
        for (const item of value) if (typeof item === 'number') total += item;
      } else if (typeof value === 'number') total += value;
    }
    return total;
  }

  /** The largest number, or undefined when there is none. */
  max(): number | undefined {
    if (!this.maximumKnown) {
      let max: number | undefined;
      for (const value of this.counts.keys()) {
        if (typeof value === 'number' && (max === undefined || value > max)) max = value;
      }
      this.maximum = max;
      this.maximumKnown = true;
    }
    return this.maximum;
  }

  distinct(): number {
    return this.counts.size;
  }

  /** The distinct values as text, sorted, comma-separated; `none` when there is none. */
  values(): string {
    this.listed ??= [...this.counts.keys()].map(String).sort().join(', ') || 'none';
    return this.listed;
  }
}
