import { aDeploymentReport, aViolationReport } from '@cm/contracts/testing';
import type { AlertChange } from './alert.types';
import { EscalationEngine } from './escalation-engine';
import type { EngineEvent } from './report-event';
import { EventLog, hoursAfter, msAfter, rulesOf } from './testing/report-events';

const T0 = '2025-04-01T00:00:00.000Z';
const H72 = 72 * 3_600_000;

const breakdown = rulesOf({
  id: 'breakdown',
  kind: 'threshold',
  description: 'violations by both sides',
  severity: 'critical',
  cooldown: '72h',
  match: { type: 'ceasefire_violation' },
  window: { duration: '72h' },
  require: { count: { atLeast: 3 }, distinct: { field: 'details.accusedParty', atLeast: 2 } },
  summary: '{{count}} violations accusing {{values:details.accusedParty}}: {{evidence}}',
});

const violation = (reportId: string, occurredAt: string, accused = 'RU') =>
  aViolationReport({
    reportId,
    occurredAt,
    reportedAt: occurredAt,
    details: { accusedParty: accused, accusingParty: accused === 'RU' ? 'UA' : 'RU' },
  });

function applyAll(engine: EscalationEngine, events: EngineEvent[]): AlertChange[] {
  return events.flatMap((event) => engine.apply(event));
}

describe('threshold rule: count and distinct over a 72 h window', () => {
  it('given 3 violations accusing 2 parties within 72 h, then an alert is raised at the third', () => {
    const log = new EventLog();
    const engine = new EscalationEngine(breakdown);
    const before = applyAll(engine, [
      log.reported(violation('v1', T0, 'RU')),
      log.reported(violation('v2', hoursAfter(T0, 10), 'UA')),
    ]);
    const third = log.reported(violation('v3', hoursAfter(T0, 20), 'RU'));

    const changes = engine.apply(third);

    expect(before).toEqual([]);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      change: 'raised',
      alert: {
        rule: 'breakdown',
        theatre: 'russia-ukraine',
        severity: 'critical',
        status: 'open',
        summary: '3 violations accusing RU, UA: v1, v2, v3',
        windowStart: T0,
        windowEnd: hoursAfter(T0, 20),
        raisedAt: (third.recordedAt as Date).toISOString(),
      },
    });
    expect(changes[0].alert.evidence).toEqual([
      { reportId: 'v1', type: 'ceasefire_violation', occurredAt: T0 },
      { reportId: 'v2', type: 'ceasefire_violation', occurredAt: hoursAfter(T0, 10) },
      { reportId: 'v3', type: 'ceasefire_violation', occurredAt: hoursAfter(T0, 20) },
    ]);
  });

  it('given 2 violations (one below the count), then nothing is raised', () => {
    const log = new EventLog();
    const engine = new EscalationEngine(breakdown);
    expect(
      applyAll(engine, [
        log.reported(violation('v1', T0, 'RU')),
        log.reported(violation('v2', hoursAfter(T0, 1), 'UA')),
      ]),
    ).toEqual([]);
  });

  it('given 3 violations all accusing one party (one below distinct), then nothing; a 4th accusing another raises', () => {
    const log = new EventLog();
    const engine = new EscalationEngine(breakdown);
    const same = applyAll(engine, [
      log.reported(violation('v1', T0, 'RU')),
      log.reported(violation('v2', hoursAfter(T0, 1), 'RU')),
      log.reported(violation('v3', hoursAfter(T0, 2), 'RU')),
    ]);
    const other = engine.apply(log.reported(violation('v4', hoursAfter(T0, 3), 'UA')));

    expect(same).toEqual([]);
    expect(other.map((c) => [c.change, c.alert.evidence.length])).toEqual([['raised', 4]]);
  });

  it('given the first violation exactly 72 h before the third, then it is in the window', () => {
    const log = new EventLog();
    const engine = new EscalationEngine(breakdown);
    const changes = applyAll(engine, [
      log.reported(violation('v1', T0, 'RU')),
      log.reported(violation('v2', hoursAfter(T0, 30), 'UA')),
      log.reported(violation('v3', hoursAfter(T0, 72), 'RU')),
    ]);
    expect(changes.map((c) => c.change)).toEqual(['raised']);
    expect(changes[0].alert.windowStart).toBe(T0);
  });

  it('given the first violation 72 h and 1 ms before the third, then it is not', () => {
    const log = new EventLog();
    const engine = new EscalationEngine(breakdown);
    const changes = applyAll(engine, [
      log.reported(violation('v1', T0, 'RU')),
      log.reported(violation('v2', hoursAfter(T0, 30), 'UA')),
      log.reported(violation('v3', msAfter(T0, H72 + 1), 'RU')),
    ]);
    expect(changes).toEqual([]);
  });

  it('given a late violation inside an earlier window, when it arrives after later ones, then it raises the alert of that window', () => {
    const log = new EventLog();
    const engine = new EscalationEngine(breakdown);
    applyAll(engine, [
      log.reported(violation('v1', T0, 'RU')),
      log.reported(violation('v3', hoursAfter(T0, 40), 'RU')),
      log.reported(violation('w1', hoursAfter(T0, 24 * 10), 'RU')),
    ]);
    const late = log.reported(violation('v2', hoursAfter(T0, 20), 'UA'));

    const changes = engine.apply(late);

    expect(changes).toHaveLength(1);
    expect(changes[0].change).toBe('raised');
    expect(changes[0].alert.evidence.map((e) => e.reportId)).toEqual(['v1', 'v2', 'v3']);
    expect(changes[0].alert.windowEnd).toBe(hoursAfter(T0, 40));
    expect(changes[0].alert.raisedAt).toBe((late.recordedAt as Date).toISOString());
  });

  it('given two alerts days apart, when a late violation lands in the first window, then it updates the first alert only', () => {
    const log = new EventLog();
    const engine = new EscalationEngine(breakdown);
    const raised = applyAll(engine, [
      log.reported(violation('a1', T0, 'RU')),
      log.reported(violation('a2', hoursAfter(T0, 1), 'UA')),
      log.reported(violation('a3', hoursAfter(T0, 2), 'RU')),
      log.reported(violation('b1', hoursAfter(T0, 240), 'RU')),
      log.reported(violation('b2', hoursAfter(T0, 241), 'UA')),
      log.reported(violation('b3', hoursAfter(T0, 242), 'RU')),
    ]);
    const [first, second] = raised.map((c) => c.alert);

    const changes = engine.apply(log.reported(violation('a0', hoursAfter(T0, -5), 'UA')));

    expect(raised.map((c) => c.change)).toEqual(['raised', 'raised']);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      change: 'updated',
      alert: { alertId: first.alertId, windowStart: hoursAfter(T0, -5), raisedAt: first.raisedAt },
    });
    expect(changes[0].alert.evidence.map((e) => e.reportId)).toEqual(['a0', 'a1', 'a2', 'a3']);
    expect(changes[0].alert.alertId).not.toBe(second.alertId);
  });
});

describe('threshold rule: sum of a count field', () => {
  const reinforcement = rulesOf({
    id: 'massing',
    kind: 'threshold',
    description: 'personnel massing within a week',
    severity: 'high',
    cooldown: '7d',
    match: { type: 'deployment', where: [{ field: 'details.movement', equals: 'arrival' }] },
    window: { duration: '7d' },
    require: { sum: { field: 'details.personnel.best', atLeast: 1000 } },
    summary: '{{sum:details.personnel.best}} personnel: {{evidence}}',
  });
  const arrival = (reportId: string, occurredAt: string, best: number) =>
    aDeploymentReport({
      reportId,
      occurredAt,
      reportedAt: occurredAt,
      details: { personnel: { best }, equipment: undefined },
    });

  it('given 600 and 400 personnel within the window, then the sum reaches 1000 and fires', () => {
    const log = new EventLog();
    const engine = new EscalationEngine(reinforcement);
    const changes = applyAll(engine, [
      log.reported(arrival('d1', T0, 600)),
      log.reported(arrival('d2', hoursAfter(T0, 24), 400)),
    ]);
    expect(changes.map((c) => [c.change, c.alert.summary])).toEqual([
      ['raised', '1000 personnel: d1, d2'],
    ]);
  });

  it('given 600 and 399 personnel, then it does not', () => {
    const log = new EventLog();
    const engine = new EscalationEngine(reinforcement);
    expect(
      applyAll(engine, [
        log.reported(arrival('d1', T0, 600)),
        log.reported(arrival('d2', hoursAfter(T0, 24), 399)),
      ]),
    ).toEqual([]);
  });
});

describe('threshold rule: cooldown', () => {
  const single = rulesOf({
    id: 'any-arrival',
    kind: 'threshold',
    description: 'every arrival',
    severity: 'low',
    cooldown: '72h',
    match: { type: 'deployment' },
    require: { count: { atLeast: 1 } },
    summary: '{{count}} arrivals: {{evidence}}',
  });
  const arrival = (reportId: string, occurredAt: string) =>
    aDeploymentReport({ reportId, occurredAt, reportedAt: occurredAt });

  it('given an alert, when the rule fires again exactly at the end of its cooldown, then the alert is updated', () => {
    const log = new EventLog();
    const engine = new EscalationEngine(single);
    const [raised] = engine.apply(log.reported(arrival('d1', T0)));

    const changes = engine.apply(log.reported(arrival('d2', msAfter(T0, H72))));

    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      change: 'updated',
      alert: {
        alertId: raised.alert.alertId,
        raisedAt: raised.alert.raisedAt,
        summary: '2 arrivals: d1, d2',
      },
    });
  });

  it('given an alert, when the rule fires 1 ms after its cooldown, then a new alert is raised', () => {
    const log = new EventLog();
    const engine = new EscalationEngine(single);
    const [raised] = engine.apply(log.reported(arrival('d1', T0)));

    const changes = engine.apply(log.reported(arrival('d2', msAfter(T0, H72 + 1))));

    expect(changes).toHaveLength(1);
    expect(changes[0].change).toBe('raised');
    expect(changes[0].alert.alertId).not.toBe(raised.alert.alertId);
    expect(changes[0].alert.evidence.map((e) => e.reportId)).toEqual(['d2']);
  });

  it('given an alert, when a late firing lands within the cooldown before its first firing, then it joins that alert', () => {
    const log = new EventLog();
    const engine = new EscalationEngine(single);
    const [later] = engine.apply(log.reported(arrival('d2', hoursAfter(T0, 72))));

    const changes = engine.apply(log.reported(arrival('d1', T0)));

    expect(changes.map((c) => [c.change, c.alert.alertId])).toEqual([
      ['updated', later.alert.alertId],
    ]);
    expect(changes[0].alert.windowStart).toBe(T0);
  });

  it('given an alert, when a late firing lands more than the cooldown before it, then it raises its own alert', () => {
    const log = new EventLog();
    const engine = new EscalationEngine(single);
    const [later] = engine.apply(log.reported(arrival('d2', msAfter(T0, H72 + 1))));

    const changes = engine.apply(log.reported(arrival('d1', T0)));

    expect(changes.map((c) => c.change)).toEqual(['raised']);
    expect(changes[0].alert.alertId).not.toBe(later.alert.alertId);
  });

  it('given two alerts, when a late firing falls within the cooldown of both, then it joins the one whose first firing is nearer', () => {
    const log = new EventLog();
    const engine = new EscalationEngine(single);
    const [first] = engine.apply(log.reported(arrival('d1', T0)));
    const [second] = engine.apply(log.reported(arrival('d3', hoursAfter(T0, 100))));

    const nearSecond = engine.apply(log.reported(arrival('d2', hoursAfter(T0, 60))));
    const nearFirst = engine.apply(log.reported(arrival('d0', hoursAfter(T0, 40))));

    expect(nearSecond.map((c) => [c.change, c.alert.alertId])).toEqual([
      ['updated', second.alert.alertId],
    ]);
    expect(nearFirst.map((c) => [c.change, c.alert.alertId])).toEqual([
      ['updated', first.alert.alertId],
    ]);
  });
});

describe('threshold rule: corrections and retractions', () => {
  function raisedBreakdown() {
    const log = new EventLog();
    const engine = new EscalationEngine(breakdown);
    const reports = [
      violation('v1', T0, 'RU'),
      violation('v2', hoursAfter(T0, 10), 'UA'),
      violation('v3', hoursAfter(T0, 20), 'RU'),
    ];
    const [raised] = applyAll(
      engine,
      reports.map((report) => log.reported(report)),
    );
    return { log, engine, reports, alert: raised.alert };
  }

  it('given an alert, when a violation is retracted below the count, then it is resolved with a note', () => {
    const { log, engine, reports, alert } = raisedBreakdown();

    const changes = engine.apply(log.retracted(reports[1], 'video was from 2023'));

    expect(changes).toEqual([
      {
        change: 'resolved',
        alert: { ...alert, status: 'resolved' },
        note: 'The evidence no longer meets the rule after report v2 was retracted (video was from 2023).',
      },
    ]);
    expect(engine.openAlerts()).toEqual([]);
  });

  it('given an alert, when a correction leaves one accused party, then it is resolved with a note', () => {
    const { log, engine, reports } = raisedBreakdown();

    const changes = engine.apply(
      log.corrected(reports[1], { details: { accusedParty: 'RU' }, reason: 'misattributed' }),
    );

    expect(changes.map((c) => [c.change, 'note' in c && c.note])).toEqual([
      [
        'resolved',
        'The evidence no longer meets the rule after report v2 was corrected (misattributed).',
      ],
    ]);
  });

  it('given an alert, when a correction moves a violation out of the window, then it is resolved', () => {
    const { log, engine, reports } = raisedBreakdown();
    const changes = engine.apply(log.corrected(reports[0], { occurredAt: hoursAfter(T0, -100) }));
    expect(changes.map((c) => c.change)).toEqual(['resolved']);
  });

  it('given an alert with evidence to spare, when one report is retracted, then it is updated with a note', () => {
    const { log, engine, alert } = raisedBreakdown();
    const extra = violation('v4', hoursAfter(T0, 30), 'UA');
    engine.apply(log.reported(extra));

    const changes = engine.apply(log.retracted(extra, 'duplicate of v2'));

    expect(changes).toEqual([
      {
        change: 'updated',
        alert: alert,
        note: 'Report v4 was retracted (duplicate of v2); the rule still holds.',
      },
    ]);
  });

  it('given a resolved alert, when the rule fires again in the same window, then a new alert with a new id is raised', () => {
    const { log, engine, reports, alert } = raisedBreakdown();
    engine.apply(log.retracted(reports[1]));

    const changes = engine.apply(log.reported(violation('v5', hoursAfter(T0, 21), 'UA')));

    expect(changes.map((c) => c.change)).toEqual(['raised']);
    expect(changes[0].alert.alertId).not.toBe(alert.alertId);
  });
});
