import { aCasualtyReport } from '@cm/contracts/testing';
import type { AlertChange } from './alert.types';
import { EscalationEngine } from './escalation-engine';
import { daysAfter, EventLog, msAfter, rulesOf } from './testing/report-events';

// The recent window ends at T (the report that may fire); the baseline is the 28 days before.
const T = '2025-03-01T12:00:00.000Z';
const DAY = 86_400_000;

const spike = rulesOf({
  id: 'spike',
  kind: 'spike',
  description: 'casualties doubling',
  severity: 'high',
  cooldown: '7d',
  match: { type: 'casualty', where: [{ field: 'details.cumulative', equals: false }] },
  measure: { sum: 'details.count.best' },
  window: { recent: '7d', baseline: '28d' },
  ratio: 2,
  minimum: 100,
  summary: '{{recent}} vs {{baselineMean}} a week ({{ratio}}): {{evidence}}',
});

const casualties = (reportId: string, occurredAt: string, best: number, cumulative = false) =>
  aCasualtyReport({
    reportId,
    occurredAt,
    reportedAt: occurredAt,
    details: { party: 'UA', category: 'killed', civilian: true, count: { best }, cumulative },
  });

/** Four weekly reports in the baseline summing to `total`, then `recent` at T. */
function run(baselineTotal: number, recent: number, extra: ReturnType<typeof casualties>[] = []) {
  const log = new EventLog();
  const engine = new EscalationEngine(spike);
  const changes: AlertChange[] = [];
  for (let week = 0; week < 4; week++) {
    const at = daysAfter(T, -8 - 7 * week);
    changes.push(...engine.apply(log.reported(casualties(`base-${week}`, at, baselineTotal / 4))));
  }
  for (const report of extra) changes.push(...engine.apply(log.reported(report)));
  changes.push(...engine.apply(log.reported(casualties('recent', T, recent))));
  return { changes, engine, log };
}

describe('spike rule: recent window against the baseline mean', () => {
  it('given a weekly mean of 50, when the last 7 days hold 100 (2x and the minimum), then it fires', () => {
    const { changes } = run(200, 100);
    expect(changes.map((c) => [c.change, c.alert.summary])).toEqual([
      ['raised', '100 vs 50 a week (2x): recent'],
    ]);
  });

  it('given a weekly mean of 50, when the last 7 days hold 99, then it does not', () => {
    expect(run(200, 99).changes).toEqual([]);
  });

  it('given a weekly mean of 60, when the last 7 days hold 119 (one below 2x), then it does not; 120 fires', () => {
    expect(run(240, 119).changes).toEqual([]);
    expect(run(240, 120).changes.map((c) => c.change)).toEqual(['raised']);
  });

  it('given a weekly mean of 40, when the last 7 days hold 99 (2x but one below the minimum), then it does not; 100 fires', () => {
    expect(run(160, 99).changes).toEqual([]);
    expect(run(160, 100).changes.map((c) => c.change)).toEqual(['raised']);
  });

  it('given no baseline, when 100 occur in a week, then it fires on the minimum alone', () => {
    const log = new EventLog();
    const engine = new EscalationEngine(spike);
    const changes = engine.apply(log.reported(casualties('recent', T, 100)));
    expect(changes.map((c) => [c.change, c.alert.summary])).toEqual([
      ['raised', '100 vs 0 a week (n/a): recent'],
    ]);
  });

  it('given a report 7 days less 1 ms before T, then it counts as recent', () => {
    const { changes } = run(200, 60, [casualties('edge', msAfter(T, -7 * DAY + 1), 40)]);
    expect(changes.map((c) => c.alert.evidence.map((e) => e.reportId))).toEqual([
      ['edge', 'recent'],
    ]);
  });

  it('given a report exactly 7 days before T, then it is baseline, and the spike is gone', () => {
    // 200 + 40 over 28 days is a mean of 60 a week; 60 recent is not 2x.
    expect(run(200, 60, [casualties('edge', daysAfter(T, -7), 40)]).changes).toEqual([]);
  });

  it('given a baseline report 35 days less 1 ms before T it counts, and exactly 35 days before it does not', () => {
    const inside = run(200, 110, [casualties('old', msAfter(T, -35 * DAY + 1), 40)]);
    const outside = run(200, 110, [casualties('old', daysAfter(T, -35), 40)]);
    // 240 / 4 = 60: 110 is below 2x; 200 / 4 = 50: 110 is above.
    expect(inside.changes).toEqual([]);
    expect(outside.changes.map((c) => c.change)).toEqual(['raised']);
  });

  it('given cumulative totals, then they are not counted as casualties of the week', () => {
    const log = new EventLog();
    const engine = new EscalationEngine(spike);
    expect(engine.apply(log.reported(casualties('total', T, 5000, true)))).toEqual([]);
  });

  it('given a spike, when a late report lands in its baseline, then the alert is resolved', () => {
    const { changes, engine, log } = run(200, 100);
    expect(changes.map((c) => c.change)).toEqual(['raised']);

    const late = engine.apply(log.reported(casualties('late', daysAfter(T, -20), 10)));

    expect(late.map((c) => [c.change, 'note' in c && c.note])).toEqual([
      ['resolved', 'The evidence no longer meets the rule after report late was filed.'],
    ]);
  });
});
