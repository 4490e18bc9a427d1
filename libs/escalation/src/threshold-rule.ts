import type { FieldSlots, ReportRecord } from './report-record';
import { advanceTo, firstAtOrAfter, forEachValue, valueOf } from './report-record';
import type { Scalar, ThresholdRule } from './rule.types';
import { durationMs } from './duration';
import type { PatternRecords, RuleEvaluator, ScanResult } from './rule-evaluation';
import { EvidenceSet, NO_MEASURES } from './rule-evaluation';

/**
 * Threshold: at each matching report, the matching reports within the window before it (both
 * ends included: a report exactly `duration` earlier counts) must meet every requirement.
 * Count, sum and distinct only grow as reports are added, so the rule is monotone: more
 * evidence never un-fires it.
 */
export function thresholdEvaluator(
  rule: ThresholdRule,
  pattern: number,
  slots: FieldSlots,
): RuleEvaluator {
  const duration = rule.window ? durationMs(rule.window.duration) : 0;
  const { count, sum, distinct } = rule.require;
  const sumSlot = sum ? slots.slot(sum.field) : -1;
  const distinctSlot = distinct ? slots.slot(distinct.field) : -1;

  return {
    lookback: duration,
    lookahead: 0,
    patterns: [pattern],
    scan(source: PatternRecords, from: number, to: number, withEvidence: boolean): ScanResult {
      const list = source.records(pattern);
      const evidence = new EvidenceSet();
      const result: ScanResult = { firings: [], measures: NO_MEASURES, evidence: [] };
      let index = firstAtOrAfter(list, from);
      let low = -1;
      let high = -1;
      let total = 0;
      const seen = new Map<Scalar, number>();

      const enter = (record: ReportRecord): void => {
        if (sumSlot >= 0) forEachValue(valueOf(record, sumSlot), (v) => (total += v as number));
        if (distinctSlot >= 0) {
          const value = valueOf(record, distinctSlot);
          if (value === null) return;
          if (!Array.isArray(value)) seen.set(value, (seen.get(value) ?? 0) + 1);
          else for (const item of new Set(value)) seen.set(item, (seen.get(item) ?? 0) + 1);
        }
      };
      const forget = (value: Scalar): void => {
        const left = (seen.get(value) ?? 0) - 1;
        if (left > 0) seen.set(value, left);
        else seen.delete(value);
      };
      const leave = (record: ReportRecord): void => {
        if (sumSlot >= 0) forEachValue(valueOf(record, sumSlot), (v) => (total -= v as number));
        if (distinctSlot >= 0) {
          const value = valueOf(record, distinctSlot);
          if (value === null) return;
          if (!Array.isArray(value)) forget(value);
          else for (const item of new Set(value)) forget(item);
        }
      };

      while (index < list.length && list[index].t <= to) {
        const t = list[index].t;
        if (low < 0) {
          low = firstAtOrAfter(list, t - duration);
          high = low;
        }
        if (sumSlot < 0 && distinctSlot < 0) {
          // Only the count: the window's bounds by galloping, not by a walk over every
          // report in it (many reports can share one instant).
          high = advanceTo(list, high, t, false);
          low = advanceTo(list, low, t - duration, true);
        } else {
          // Every report at the anchor's instant is in its window, whatever its id.
          while (high < list.length && list[high].t <= t) enter(list[high++]);
          while (list[low].t < t - duration) leave(list[low++]);
        }
        const met =
          (!count || high - low >= count.atLeast) &&
          (!sum || total >= sum.atLeast) &&
          (!distinct || seen.size >= distinct.atLeast);
        if (met) {
          result.firings.push({ t, anchorId: list[index].id });
          if (withEvidence) evidence.addRange(list, low, high);
        }
        index = high;
      }
      result.evidence = evidence.toArray();
      return result;
    },
  };
}
