import type { FieldSlots, ReportRecord } from './report-record';
import { firstAfter, firstAtOrAfter, valueOf } from './report-record';
import { sharesValue } from './report-pattern';
import type { CoOccurrenceRule } from './rule.types';
import { durationMs } from './duration';
import type { PatternRecords, RuleEvaluator, ScanResult } from './rule-evaluation';
import { EvidenceSet, mergeSorted, NO_MEASURES } from './rule-evaluation';

/**
 * Co-occurrence: fires at each `a` report that has another report matching `b` within
 * `within` of it (both ends included), before or after it (`any`) or only after it
 * (`a-before-b`), meeting the constraints between the two. The alert's evidence is the `a`
 * reports that fired and all their partners.
 */
export function coOccurrenceEvaluator(
  rule: CoOccurrenceRule,
  patternA: number,
  patternB: number,
  slots: FieldSlots,
): RuleEvaluator {
  const within = durationMs(rule.within);
  const before = rule.order === 'any' ? within : 0;
  const constraints = (rule.constraints ?? []).map((constraint) => ({
    a: slots.slot(constraint.a),
    b: slots.slot(constraint.b),
    same: constraint.relation === 'same',
  }));
  const related = (a: ReportRecord, b: ReportRecord): boolean =>
    constraints.every((constraint) => {
      const valueA = valueOf(a, constraint.a);
      const valueB = valueOf(b, constraint.b);
      if (valueA === null || valueB === null) return false;
      return sharesValue(valueA, valueB) === constraint.same;
    });

  return {
    // A change to a `b` report at u matters to `a` reports within [u - within, u + before].
    lookback: before,
    lookahead: within,
    patterns: [patternA, patternB],
    scan(source: PatternRecords, from: number, to: number, withEvidence: boolean): ScanResult {
      const listA = source.records(patternA);
      const listB = source.records(patternB);
      const anchors = new EvidenceSet();
      const partners = new EvidenceSet();
      const result: ScanResult = { firings: [], measures: NO_MEASURES, evidence: [] };
      // No `b` report near the span: nothing fires, and the `a` reports need no look (a
      // theatre's deployments pile up long before any violation comes to pair them with).
      if (firstAtOrAfter(listB, from - before) >= firstAfter(listB, to + within)) {
        if (withEvidence) result.roles = { a: [], b: [] };
        return result;
      }
      for (let index = firstAtOrAfter(listA, from); index < listA.length; index++) {
        const a = listA[index];
        if (a.t > to) break;
        const low = firstAtOrAfter(listB, a.t - before);
        const high = firstAfter(listB, a.t + within);
        let fired = false;
        if (constraints.length === 0) {
          // The report itself may match `b` too; it is not its own partner.
          const self = a.patterns.includes(patternB) ? 1 : 0;
          if (high - low > self) {
            fired = true;
            if (withEvidence) partners.addRange(listB, low, high);
          }
        } else {
          for (let i = low; i < high; i++) {
            if (listB[i] !== a && related(a, listB[i])) {
              fired = true;
              if (!withEvidence) break;
              partners.add(listB[i]);
            }
          }
        }
        if (fired) {
          result.firings.push({ t: a.t, anchorId: a.id });
          if (withEvidence) anchors.addRange(listA, index, index + 1);
        }
      }
      if (!withEvidence) return result;
      const a = anchors.toArray();
      const b = partners.toArray();
      result.evidence = mergeSorted(a, b);
      result.roles = { a, b };
      return result;
    },
  };
}
