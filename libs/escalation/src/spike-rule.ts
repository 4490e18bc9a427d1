import type { FieldSlots, ReportRecord } from './report-record';
import { firstAfter, firstAtOrAfter, forEachValue, valueOf } from './report-record';
import type { SpikeRule } from './rule.types';
import { durationMs } from './duration';
import type { PatternRecords, RuleEvaluator, ScanResult } from './rule-evaluation';
import { EvidenceSet } from './rule-evaluation';

/**
 * Spike: at each matching report, the measure over the recent window (t - recent, t] against
 * the mean per recent-window-length of the baseline window just before it, (t - recent -
 * baseline, t - recent]. The two are consecutive periods, so a report belongs to one only:
 * weekly reports at the same hour fall one per week. Unlike a threshold it is not monotone:
 * a late report in the baseline can make a spike disappear.
 */
export function spikeEvaluator(rule: SpikeRule, pattern: number, slots: FieldSlots): RuleEvaluator {
  const recentMs = durationMs(rule.window.recent);
  const baselineMs = durationMs(rule.window.baseline);
  // Compared as recent * b >= ratio * baseline * r with r:b the windows' lengths in lowest
  // terms (7d:28d is 1:4), so that boundaries are exact in integers.
  const unit = gcd(recentMs, baselineMs);
  const r = recentMs / unit;
  const b = baselineMs / unit;
  const sumSlot = rule.measure === 'count' ? -1 : slots.slot(rule.measure.sum);
  const measureOf = (record: ReportRecord): number => {
    if (sumSlot < 0) return 1;
    let total = 0;
    forEachValue(valueOf(record, sumSlot), (v) => (total += v as number));
    return total;
  };

  return {
    lookback: recentMs + baselineMs,
    lookahead: 0,
    patterns: [pattern],
    scan(source: PatternRecords, from: number, to: number, withEvidence: boolean): ScanResult {
      const list = source.records(pattern);
      const evidence = new EvidenceSet();
      const result: ScanResult = { firings: [], measures: {}, evidence: [] };
      let index = firstAtOrAfter(list, from);
      let baselineLow = -1;
      let recentLow = -1;
      let high = -1;
      let baseline = 0;
      let recent = 0;
      while (index < list.length && list[index].t <= to) {
        const t = list[index].t;
        if (high < 0) {
          baselineLow = firstAfter(list, t - recentMs - baselineMs);
          recentLow = firstAfter(list, t - recentMs);
          for (let i = baselineLow; i < recentLow; i++) baseline += measureOf(list[i]);
          high = recentLow;
        }
        while (high < list.length && list[high].t <= t) recent += measureOf(list[high++]);
        while (list[recentLow].t <= t - recentMs) {
          const moved = measureOf(list[recentLow++]);
          recent -= moved;
          baseline += moved;
        }
        while (baselineLow < recentLow && list[baselineLow].t <= t - recentMs - baselineMs) {
          baseline -= measureOf(list[baselineLow++]);
        }
        if (recent >= rule.minimum && recent * b >= rule.ratio * baseline * r) {
          result.firings.push({ t, anchorId: list[index].id });
          const mean = (baseline * r) / b;
          result.measures = {
            recent,
            baselineMean: mean,
            ratio: mean > 0 ? recent / mean : null,
          };
          if (withEvidence) evidence.addRange(list, recentLow, high);
        }
        index = high;
      }
      result.evidence = evidence.toArray();
      return result;
    },
  };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
