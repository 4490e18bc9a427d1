import { REPORT_TYPES } from '@cm/contracts';
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
  /**
   * By slot (FieldSlots); `true` stands for an object, which only `exists` asks about. With a
   * `layout`, only the slots a rule can read on a report of this type, at layout[slot]: read
   * them with valueOf.
   */
  readonly values: readonly SlotValue[];
  /** Per slot, its index in `values`, or -1 when no rule reads it on this type (then null). */
  readonly layout?: readonly number[];
  /** The indices of the patterns (PatternTable) this version of the report matches. */
  readonly patterns: readonly number[];
  /**
   * The report as alert evidence, made when it first becomes evidence and then shared by every
   * alert that cites this version (frozen): most reports never become evidence, and those that
   * do are cited again at each update of their alert.
   */
  entry?: AlertEvidence;
}

/**
 * A record, always built here so that every record has one shape (`entry` included from the
 * start: added later it would move the record's properties out of the object) and its type is
 * the shared constant, not the copy each parsed event carries: the engine keeps some 150,000
 * records on the long synthetic history, and their size is most of its heap.
 */
export function makeRecord(
  id: string,
  type: ReportType,
  t: number,
  values: readonly SlotValue[],
  patterns: readonly number[],
  layout?: readonly number[],
): ReportRecord {
  return {
    id,
    type: CANONICAL_TYPES.get(type) ?? type,
    t,
    values,
    patterns,
    entry: undefined,
    layout,
  };
}

/** A slot's value in a record. */
export function valueOf(record: ReportRecord, slot: number): SlotValue {
  const layout = record.layout;
  if (layout === undefined) return record.values[slot];
  const index = layout[slot];
  return index < 0 ? null : record.values[index];
}

/** The values a layout keeps of `values` (by slot), in layout order. */
export function compactValues(
  values: readonly SlotValue[],
  layout: readonly number[],
  width: number,
): SlotValue[] {
  // Made at its length: a list grown by push keeps room for more.
  const kept = new Array<SlotValue>(width);
  for (let slot = 0; slot < layout.length; slot++) {
    if (layout[slot] >= 0) kept[layout[slot]] = values[slot];
  }
  return kept;
}

/** A record's values by slot, every slot (null where its layout keeps none). */
export function allValues(record: ReportRecord, width: number): SlotValue[] {
  const values = new Array<SlotValue>(width);
  for (let slot = 0; slot < width; slot++) values[slot] = valueOf(record, slot);
  return values;
}

const CANONICAL_TYPES = new Map<string, ReportType>(REPORT_TYPES.map((type) => [type, type]));

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
  /** The slots asked for in each `track` under way, for the compiler to learn what reads what. */
  private readonly tracked: Set<number>[] = [];
  /**
   * Text values as first seen, so that records share one string per distinct value (parties,
   * movements, categories: each parsed event carries its own copies). Bounded: once full, new
   * values are kept as they come.
   */
  private readonly texts = new Map<string, string>();

  slot(path: string): number {
    let slot = this.byPath.get(path);
    if (slot === undefined) {
      slot = this.paths.length;
      this.paths.push(path);
      this.segments.push(path.split('.'));
      this.byPath.set(path, slot);
    }
    for (const set of this.tracked) set.add(slot);
    return slot;
  }

  /** What `build` returns, with the slots it asked for (sorted). */
  track<T>(build: () => T): { built: T; slots: number[] } {
    const tracked = new Set<number>();
    this.tracked.push(tracked);
    try {
      const built = build();
      return { built, slots: [...tracked].sort((a, b) => a - b) };
    } finally {
      this.tracked.pop();
    }
  }

  has(path: string): boolean {
    return this.byPath.has(path);
  }

  /** The value of every slot in a report (or report-shaped) object. */
  extract(report: unknown): SlotValue[] {
    const values = new Array<SlotValue>(this.segments.length);
    for (let slot = 0; slot < values.length; slot++) values[slot] = this.extractOne(report, slot);
    return values;
  }

  /** One slot's value. */
  extractOne(report: unknown, slot: number): SlotValue {
    // One scratch list for every extraction (synchronous, never nested): a list is made only
    // for a value that is several.
    found.length = 0;
    collect(report, this.segments[slot], 0);
    if (found.length === 0) return null;
    if (found.length === 1) return this.intern(found[0]);
    return found.map((value) => this.intern(value));
  }

  /** Values read back (from a snapshot) with their texts shared as extract shares them. */
  share(values: SlotValue[]): SlotValue[] {
    for (let slot = 0; slot < values.length; slot++) {
      const value = values[slot];
      if (Array.isArray(value)) values[slot] = value.map((item) => this.intern(item));
      else if (value !== null) values[slot] = this.intern(value);
    }
    return values;
  }

  private intern(value: Scalar): Scalar {
    if (typeof value !== 'string' || value.length > INTERNED_LENGTH) return value;
    const known = this.texts.get(value);
    if (known !== undefined) return known;
    if (this.texts.size < INTERNED_TEXTS) this.texts.set(value, value);
    return value;
  }
}

/** Text values longer than this are seldom repeated: they are not interned. */
const INTERNED_LENGTH = 64;
const INTERNED_TEXTS = 20_000;

const found: Scalar[] = [];

function collect(value: unknown, segments: string[], index: number): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const item of value) collect(item, segments, index);
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
    collect((value as Record<string, unknown>)[key], segments, index + 1);
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
