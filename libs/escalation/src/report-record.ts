import type { ReportType } from '@cm/contracts';
import type { AlertEvidence } from './alert.types';
import type { Scalar } from './rule.types';

/**
 * What the engine keeps of a report: its id, type, occurredAt and only the fields the rules
 * name, each in a slot. A report carries free text (descriptions, URLs, source names) that no
 * rule reads; keeping only the slots keeps a theatre's state small.
 */

/** A field's values in one report: none, one, or several (a path through a list). */
export type SlotValue = null | Scalar | Scalar[];

export interface ReportRecord {
  readonly id: string;
  readonly type: ReportType;
  /** occurredAt in epoch milliseconds: event time. */
  readonly t: number;
  /** By slot (FieldSlots); `true` stands for an object, which only `exists` asks about. */
  readonly values: readonly SlotValue[];
  /** The indices of the patterns (PatternTable) this version of the report matches. */
  readonly patterns: readonly number[];
  /**
   * The report as alert evidence, made when it first becomes evidence and then shared by every
   * alert that cites this version (frozen): most reports never become evidence, and those that
   * do are cited again at each update of their alert.
   */
  entry?: AlertEvidence;
}

export function evidenceEntry(record: ReportRecord): AlertEvidence {
  record.entry ??= Object.freeze({
    reportId: record.id,
    type: record.type,
    occurredAt: new Date(record.t).toISOString(),
  });
  return record.entry;
}

/** Records in a theatre are ordered by event time, then id: a total, replayable order. */
export function compareRecords(a: ReportRecord, b: ReportRecord): number {
  return a.t - b.t || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function forEachValue(value: SlotValue, visit: (value: Scalar) => void): void {
  if (value === null) return;
  if (Array.isArray(value)) for (const item of value) visit(item);
  else visit(value);
}

export function someValue(value: SlotValue, test: (value: Scalar) => boolean): boolean {
  if (value === null) return false;
  return Array.isArray(value) ? value.some(test) : test(value);
}

/** The fields the rules name, each given a slot in every record. */
export class FieldSlots {
  readonly paths: string[] = [];
  private readonly byPath = new Map<string, number>();
  private segments: string[][] = [];

  slot(path: string): number {
    let slot = this.byPath.get(path);
    if (slot === undefined) {
      slot = this.paths.length;
      this.paths.push(path);
      this.segments.push(path.split('.'));
      this.byPath.set(path, slot);
    }
    return slot;
  }

  has(path: string): boolean {
    return this.byPath.has(path);
  }

  /** The value of every slot in a report (or report-shaped) object. */
  extract(report: unknown): SlotValue[] {
    return this.segments.map((segments) => valueAt(report, segments));
  }

  /** One slot's value. */
  extractOne(report: unknown, slot: number): SlotValue {
    return valueAt(report, this.segments[slot]);
  }
}

function valueAt(root: unknown, segments: string[]): SlotValue {
  const found: Scalar[] = [];
  collect(root, segments, 0, found);
  return found.length === 0 ? null : found.length === 1 ? found[0] : found;
}

function collect(value: unknown, segments: string[], index: number, found: Scalar[]): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const item of value) collect(item, segments, index, found);
    return;
  }
  if (index === segments.length) {
    if (typeof value === 'object') found.push(true);
    else if (typeof value === 'string' || typeof value === 'boolean') found.push(value);
    else if (typeof value === 'number' && Number.isFinite(value)) found.push(value);
    return;
  }
  if (typeof value !== 'object') return;
  const key = segments[index];
  if (Object.hasOwn(value, key)) {
    collect((value as Record<string, unknown>)[key], segments, index + 1, found);
  }
}

/** The first index whose record's time is at or after `t` (records sorted by compareRecords). */
export function firstAtOrAfter(records: readonly ReportRecord[], t: number): number {
  let low = 0;
  let high = records.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (records[middle].t < t) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The first index whose record's time is after `t`. */
export function firstAfter(records: readonly ReportRecord[], t: number): number {
  let low = 0;
  let high = records.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (records[middle].t <= t) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The first index at or after `from` whose record's time is after `t` (`inclusive`: at or
 * after `t`), found by galloping from `from`: steps of 1, 2, 4... then a binary search, so a
 * bound that moves a little costs little and one that jumps far costs a logarithm.
 */
export function advanceTo(
  records: readonly ReportRecord[],
  from: number,
  t: number,
  inclusive: boolean,
): number {
  const before = (record: ReportRecord): boolean => (inclusive ? record.t < t : record.t <= t);
  let low = from;
  let step = 1;
  while (low + step <= records.length && before(records[low + step - 1])) {
    low += step;
    step *= 2;
  }
  let high = Math.min(low + step - 1, records.length);
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (before(records[middle])) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Where `record` is, or would go, in a sorted list. */
export function insertionIndex(records: readonly ReportRecord[], record: ReportRecord): number {
  let low = 0;
  let high = records.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareRecords(records[middle], record) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}
