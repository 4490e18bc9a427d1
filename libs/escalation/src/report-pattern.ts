import { canonicalJson } from '@cm/contracts';
import type { ReportType } from '@cm/contracts';
import type { FieldSlots, SlotValue } from './report-record';
import { someValue } from './report-record';
import type { Condition, ReportPattern, Scalar } from './rule.types';
import { isFieldCondition } from './rule.validation';

type Test = (values: readonly SlotValue[]) => boolean;

export interface CompiledPattern {
  readonly key: string;
  readonly types: ReadonlySet<ReportType> | undefined;
  /** The slots its conditions read. */
  readonly slots: readonly number[];
  matches(type: ReportType, values: readonly SlotValue[]): boolean;
}

/**
 * The distinct report patterns of a rule set. Rules that look at the same reports (three
 * default rules look at every ceasefire violation) share one pattern, so one sorted list of
 * its records per theatre.
 */
export class PatternTable {
  readonly patterns: CompiledPattern[] = [];
  private readonly byKey = new Map<string, number>();
  /** Interned match lists: most records share one of a handful. */
  private readonly matchLists = new Map<string, readonly number[]>();
  private readonly matchMasks = new Map<number, readonly number[]>();

  constructor(private readonly slots: FieldSlots) {}

  add(pattern: ReportPattern): number {
    const key = canonicalJson(pattern);
    let index = this.byKey.get(key);
    if (index === undefined) {
      index = this.patterns.length;
      const { built, slots } = this.slots.track(() => compilePattern(key, pattern, this.slots));
      this.patterns.push({ ...built, slots });
      this.byKey.set(key, index);
    }
    return index;
  }

  /** The indices of the patterns a report of `type` with these slot values matches. */
  matching(type: ReportType, values: readonly SlotValue[]): readonly number[] {
    // Keyed by a bit per pattern while they fit in one number: no list nor text per record.
    if (this.patterns.length <= 30) {
      let mask = 0;
      for (let index = 0; index < this.patterns.length; index++) {
        if (this.patterns[index].matches(type, values)) mask |= 1 << index;
      }
      let interned = this.matchMasks.get(mask);
      if (!interned) {
        const matched: number[] = [];
        for (let index = 0; index < this.patterns.length; index++) {
          if (mask & (1 << index)) matched.push(index);
        }
        interned = Object.freeze(matched);
        this.matchMasks.set(mask, interned);
      }
      return interned;
    }
    const matched: number[] = [];
    this.patterns.forEach((pattern, index) => {
      if (pattern.matches(type, values)) matched.push(index);
    });
    const key = matched.join(',');
    let interned = this.matchLists.get(key);
    if (!interned) {
      interned = Object.freeze(matched);
      this.matchLists.set(key, interned);
    }
    return interned;
  }
}

function compilePattern(
  key: string,
  pattern: ReportPattern,
  slots: FieldSlots,
): Omit<CompiledPattern, 'slots'> {
  const types = pattern.type ? new Set(pattern.type) : undefined;
  const test = allOf((pattern.where ?? []).map((condition) => compileCondition(condition, slots)));
  return {
    key,
    types,
    matches: (type, values) => (!types || types.has(type)) && test(values),
  };
}

function allOf(tests: Test[]): Test {
  return (values) => tests.every((test) => test(values));
}

export function compileCondition(condition: Condition, slots: FieldSlots): Test {
  if (!isFieldCondition(condition)) {
    if ('anyOf' in condition) {
      const tests = condition.anyOf.map((inner) => compileCondition(inner, slots));
      return (values) => tests.some((test) => test(values));
    }
    return allOf(condition.allOf.map((inner) => compileCondition(inner, slots)));
  }
  const slot = slots.slot(condition.field);
  const tests: Test[] = [];
  const present = (values: readonly SlotValue[]): boolean => values[slot] !== null;
  const { equals, notEquals, exists, gt, gte, lt, lte, sameAs, differsFrom } = condition;
  if (exists !== undefined) tests.push((values) => present(values) === exists);
  if (equals !== undefined) tests.push((values) => someValue(values[slot], (v) => v === equals));
  if (notEquals !== undefined) {
    tests.push((values) => present(values) && !someValue(values[slot], (v) => v === notEquals));
  }
  if (condition.in) {
    const set = new Set<Scalar>(condition.in);
    tests.push((values) => someValue(values[slot], (v) => set.has(v)));
  }
  if (condition.notIn) {
    const set = new Set<Scalar>(condition.notIn);
    tests.push((values) => present(values) && !someValue(values[slot], (v) => set.has(v)));
  }
  const compare = (accept: (v: number) => boolean): Test => {
    return (values) => someValue(values[slot], (v) => typeof v === 'number' && accept(v));
  };
  if (gt !== undefined) tests.push(compare((v) => v > gt));
  if (gte !== undefined) tests.push(compare((v) => v >= gte));
  if (lt !== undefined) tests.push(compare((v) => v < lt));
  if (lte !== undefined) tests.push(compare((v) => v <= lte));
  if (sameAs !== undefined) {
    const other = slots.slot(sameAs);
    tests.push((values) => sharesValue(values[slot], values[other]));
  }
  if (differsFrom !== undefined) {
    const other = slots.slot(differsFrom);
    tests.push(
      (values) =>
        values[slot] !== null &&
        values[other] !== null &&
        !sharesValue(values[slot], values[other]),
    );
  }
  return allOf(tests);
}

/** Whether two slot values have a value in common. */
export function sharesValue(a: SlotValue, b: SlotValue): boolean {
  return someValue(a, (x) => someValue(b, (y) => x === y));
}
