import { aDeploymentReport, aSanctionDemandReport, aViolationReport } from '@cm/contracts/testing';
import { EscalationEngine } from './escalation-engine';
import type { EngineEvent } from './report-event';
import { daysAfter, EventLog, msAfter, rulesOf } from './testing/report-events';

const T0 = '2025-03-25T00:00:00.000Z';
const DAY = 86_400_000;

function coOccurrence(overrides: Record<string, unknown> = {}) {
  return rulesOf({
    id: 'demand-near-violation',
    kind: 'co-occurrence',
    description: 'a conditional demand near a violation',
    severity: 'medium',
    cooldown: '14d',
    a: {
      type: 'sanction_demand',
      where: [{ field: 'details.condition.kind', equals: 'precondition_for_ceasefire' }],
    },
    b: { type: 'ceasefire_violation' },
    within: '14d',
    summary: 'demands {{a}}; violations {{b}}',
    ...overrides,
  });
}

const demand = (reportId: string, occurredAt: string) =>
  aSanctionDemandReport({ reportId, occurredAt, reportedAt: occurredAt });
const violation = (reportId: string, occurredAt: string, ceasefire = 'black-sea-maritime') =>
  aViolationReport({ reportId, occurredAt, reportedAt: occurredAt, details: { ceasefire } });

function changesOf(
  rules: ReturnType<typeof coOccurrence>,
  build: (log: EventLog) => EngineEvent[],
) {
  const log = new EventLog();
  const engine = new EscalationEngine(rules);
  return build(log).flatMap((event) => engine.apply(event));
}

describe('co-occurrence rule: a within a time distance of b', () => {
  it('given a violation exactly 14 days after the demand, then it fires with both as evidence', () => {
    const changes = changesOf(coOccurrence(), (log) => [
      log.reported(demand('d1', T0)),
      log.reported(violation('v1', daysAfter(T0, 14))),
    ]);
    expect(changes.map((c) => [c.change, c.alert.summary, c.alert.windowStart])).toEqual([
      ['raised', 'demands d1; violations v1', T0],
    ]);
  });

  it('given a violation 14 days and 1 ms after the demand, then it does not', () => {
    expect(
      changesOf(coOccurrence(), (log) => [
        log.reported(demand('d1', T0)),
        log.reported(violation('v1', msAfter(T0, 14 * DAY + 1))),
      ]),
    ).toEqual([]);
  });

  it('given order any, when the violation came first (exactly 14 days before), then it fires', () => {
    const changes = changesOf(coOccurrence(), (log) => [
      log.reported(violation('v1', daysAfter(T0, -14))),
      log.reported(demand('d1', T0)),
    ]);
    expect(changes.map((c) => c.change)).toEqual(['raised']);
  });

  it('given order a-before-b, when the violation came first, then it does not; after, it does', () => {
    const rules = coOccurrence({ order: 'a-before-b' });
    expect(
      changesOf(rules, (log) => [
        log.reported(violation('v1', daysAfter(T0, -1))),
        log.reported(demand('d1', T0)),
      ]),
    ).toEqual([]);
    expect(
      changesOf(rules, (log) => [
        log.reported(demand('d1', T0)),
        log.reported(violation('v1', daysAfter(T0, 1))),
      ]).map((c) => c.change),
    ).toEqual(['raised']);
  });

  it('given a demand without the ceasefire condition, then it does not fire', () => {
    const unconditional = aSanctionDemandReport({
      reportId: 'd1',
      occurredAt: T0,
      details: { condition: undefined },
    });
    expect(
      changesOf(coOccurrence(), (log) => [
        log.reported(unconditional),
        log.reported(violation('v1', daysAfter(T0, 1))),
      ]),
    ).toEqual([]);
  });

  it('given a constraint, then only a violation of the same ceasefire is a partner', () => {
    const rules = coOccurrence({
      constraints: [{ a: 'details.condition.ceasefire', b: 'details.ceasefire', relation: 'same' }],
    });
    const other = changesOf(rules, (log) => [
      log.reported(demand('d1', T0)),
      log.reported(violation('v1', daysAfter(T0, 1), 'energy-infrastructure')),
    ]);
    const same = changesOf(rules, (log) => [
      log.reported(demand('d1', T0)),
      log.reported(violation('v1', daysAfter(T0, 1), 'energy-infrastructure')),
      log.reported(violation('v2', daysAfter(T0, 2), 'black-sea-maritime')),
    ]);
    expect(other).toEqual([]);
    expect(same.map((c) => [c.change, c.alert.summary])).toEqual([
      ['raised', 'demands d1; violations v2'],
    ]);
  });

  it('given a report matching both a and b, then it is not its own partner', () => {
    const rules = coOccurrence({ a: { type: 'deployment' }, b: { type: 'deployment' } });
    const alone = changesOf(rules, (log) => [
      log.reported(aDeploymentReport({ reportId: 'x1', occurredAt: T0 })),
    ]);
    const pair = changesOf(rules, (log) => [
      log.reported(aDeploymentReport({ reportId: 'x1', occurredAt: T0 })),
      log.reported(aDeploymentReport({ reportId: 'x2', occurredAt: daysAfter(T0, 1) })),
    ]);
    expect(alone).toEqual([]);
    expect(pair.map((c) => c.change)).toEqual(['raised']);
  });

  it('given an alert, when a second violation arrives, then it is updated; when both are retracted, resolved', () => {
    const log = new EventLog();
    const engine = new EscalationEngine(coOccurrence());
    const v1 = violation('v1', daysAfter(T0, 1));
    const v2 = violation('v2', daysAfter(T0, 3));
    const raised = engine
      .apply(log.reported(demand('d1', T0)))
      .concat(engine.apply(log.reported(v1)));

    const updated = engine.apply(log.reported(v2));
    const first = engine.apply(log.retracted(v1));
    const second = engine.apply(log.retracted(v2, 'not a violation'));

    expect(raised.map((c) => c.change)).toEqual(['raised']);
    expect(updated.map((c) => [c.change, c.alert.summary])).toEqual([
      ['updated', 'demands d1; violations v1, v2'],
    ]);
    expect(first.map((c) => [c.change, c.alert.summary])).toEqual([
      ['updated', 'demands d1; violations v2'],
    ]);
    expect(second.map((c) => [c.change, 'note' in c && c.note])).toEqual([
      [
        'resolved',
        'The evidence no longer meets the rule after report v2 was retracted (not a violation).',
      ],
    ]);
  });
});
