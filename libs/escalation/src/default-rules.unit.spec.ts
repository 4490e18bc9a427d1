import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from '@cm/contracts';
import {
  aCasualtyReport,
  aDeploymentReport,
  aSanctionDemandReport,
  aViolationReport,
} from '@cm/contracts/testing';
import type { AlertChange } from './alert.types';
import { EscalationEngine } from './escalation-engine';
import { parseRuleFiles } from './rule-file.parser';
import { daysAfter, EventLog, hoursAfter, msAfter } from './testing/report-events';

/** The rule files as shipped in infra/rules, read as the alerter reads them. */
const RULES_DIR = join(__dirname, '../../../infra/rules');
const parsed = parseRuleFiles(
  readdirSync(RULES_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => ({ name, content: readFileSync(join(RULES_DIR, name), 'utf8') })),
);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const rules = parsed.rules;

/** Feeds reports in order to an engine with the default rules; the changes of one rule. */
function changesOf(rule: string, reports: Report[]): AlertChange[] {
  const log = new EventLog();
  const engine = new EscalationEngine(rules);
  return reports
    .flatMap((report) => engine.apply(log.reported(report)))
    .filter((change) => change.alert.rule === rule);
}

describe('foreign-reinforcement', () => {
  // Defence Intelligence of Ukraine: about 11,000 North Korean troops in the Kursk region.
  const kpTroops = (details: Partial<Report['details']> = {}) =>
    aDeploymentReport({ details: { equipment: undefined, ...details } } as never);

  it('given North Korean troops arriving in Russia to fight for Russia, then it fires', () => {
    const [change] = changesOf('foreign-reinforcement', [kpTroops()]);
    expect(change).toMatchObject({
      change: 'raised',
      alert: {
        severity: 'high',
        summary:
          'KP forces arriving to fight for RU, up to 11000 personnel, 2024-11-04T00:00Z to ' +
          '2024-11-04T00:00Z; reports: hur-kp-troops-kursk-2024-11-04',
        evidence: [
          {
            reportId: 'hur-kp-troops-kursk-2024-11-04',
            type: 'deployment',
            occurredAt: '2024-11-04T00:00:00.000Z',
          },
        ],
      },
    });
  });

  it('given exactly 1000 personnel it fires, and 999 it does not', () => {
    expect(
      changesOf('foreign-reinforcement', [kpTroops({ personnel: { best: 1000 } })]),
    ).toHaveLength(1);
    expect(changesOf('foreign-reinforcement', [kpTroops({ personnel: { best: 999 } })])).toEqual(
      [],
    );
  });

  it('given a withdrawal, or forces fighting for themselves, then it does not fire', () => {
    expect(changesOf('foreign-reinforcement', [kpTroops({ movement: 'withdrawal' })])).toEqual([]);
    expect(
      changesOf('foreign-reinforcement', [kpTroops({ actor: 'RU', supporting: undefined })]),
    ).toEqual([]);
    expect(
      changesOf('foreign-reinforcement', [kpTroops({ actor: 'RU', supporting: 'RU' })]),
    ).toEqual([]);
  });

  it('given a second contingent within 7 days, then the alert is updated, not doubled', () => {
    const second = aDeploymentReport({
      reportId: 'pentagon-kp-troops-2024-11-08',
      occurredAt: '2024-11-08T00:00:00.000Z',
      details: { personnel: { best: 3000 }, equipment: undefined },
    });
    expect(changesOf('foreign-reinforcement', [kpTroops(), second]).map((c) => c.change)).toEqual([
      'raised',
      'updated',
    ]);
  });
});

describe('heavy-weapons-transfer', () => {
  // North Korean KN-23 (Hwasong-11) short-range ballistic missiles fired by Russia at Ukraine.
  const kpMissiles = (category: 'srbm' | 'armour' = 'srbm', supporting?: string) =>
    aDeploymentReport({
      reportId: 'ua-gur-kn23-2025-01-10',
      occurredAt: '2025-01-10T00:00:00.000Z',
      reportedAt: '2025-01-10T12:00:00.000Z',
      details: {
        actor: 'KP',
        supporting,
        movement: 'arrival',
        personnel: undefined,
        equipment: [{ category, quantity: { best: 60 }, description: 'KN-23 (Hwasong-11)' }],
      },
    });

  it('given North Korean SRBMs sent to Russia, then it fires', () => {
    const changes = changesOf('heavy-weapons-transfer', [kpMissiles('srbm', 'RU')]);
    expect(changes.map((c) => [c.change, c.alert.summary])).toEqual([
      [
        'raised',
        'KP heavy weapons (srbm) sent to fight for RU, 2025-01-10T00:00Z to 2025-01-10T00:00Z; ' +
          'reports: ua-gur-kn23-2025-01-10',
      ],
    ]);
  });

  it('given armour only, or weapons for the actor itself, then it does not fire', () => {
    expect(changesOf('heavy-weapons-transfer', [kpMissiles('armour', 'RU')])).toEqual([]);
    expect(changesOf('heavy-weapons-transfer', [kpMissiles('srbm')])).toEqual([]);
  });
});

describe('ceasefire-breakdown', () => {
  // Black Sea maritime ceasefire of March 2025: each side accused the other within days.
  const odesa = aViolationReport();
  const crimea = aViolationReport({
    reportId: 'ru-mod-crimea-drones-2025-04-02',
    occurredAt: '2025-04-02T20:00:00.000Z',
    reportedAt: '2025-04-03T06:00:00.000Z',
    source: {
      name: 'Russian Ministry of Defence',
      kind: 'military',
      reliability: 'C',
      credibility: 4,
    },
    details: {
      accusedParty: 'UA',
      accusingParty: 'RU',
      means: 'drone',
      target: 'Sevastopol naval base',
      description: 'Ukrainian drones attacked the Black Sea Fleet in Sevastopol.',
    },
  });
  const mykolaiv = aViolationReport({
    reportId: 'ua-navy-mykolaiv-missile-2025-04-04',
    occurredAt: '2025-04-04T23:00:00.000Z',
    reportedAt: '2025-04-05T07:00:00.000Z',
    details: { means: 'missile', target: 'Mykolaiv port' },
  });

  it('given violations by Russia and Ukraine on the Black Sea within 72 h, then it fires', () => {
    const changes = changesOf('ceasefire-breakdown', [odesa, crimea, mykolaiv]);
    expect(changes.map((c) => [c.change, c.alert.severity, c.alert.summary])).toEqual([
      [
        'raised',
        'critical',
        '3 ceasefire violations (black-sea-maritime) from 2025-04-02T01:30Z to 2025-04-04T23:00Z ' +
          'accusing 2 parties (RU, UA); reports: ua-navy-odesa-port-drones-2025-04-02, ' +
          'ru-mod-crimea-drones-2025-04-02, ua-navy-mykolaiv-missile-2025-04-04',
      ],
    ]);
  });

  it('given only one side accused, or the third violation after 72 h, then it does not fire', () => {
    const alsoRussia = {
      ...crimea,
      details: { ...crimea.details, accusedParty: 'RU', accusingParty: 'UA' },
    };
    const tooLate = { ...mykolaiv, occurredAt: msAfter(odesa.occurredAt, 72 * 3_600_000 + 1) };
    expect(changesOf('ceasefire-breakdown', [odesa, alsoRussia, mykolaiv])).toEqual([]);
    expect(changesOf('ceasefire-breakdown', [odesa, crimea, tooLate])).toEqual([]);
  });

  it('given the alert, when Russia’s accusation is retracted, then it is resolved with a note', () => {
    const log = new EventLog();
    const engine = new EscalationEngine(rules);
    for (const report of [odesa, crimea, mykolaiv]) engine.apply(log.reported(report));

    const changes = engine
      .apply(log.retracted(crimea, 'footage was from 2023'))
      .filter((c) => c.alert.rule === 'ceasefire-breakdown');

    expect(changes.map((c) => [c.change, 'note' in c && c.note])).toEqual([
      [
        'resolved',
        'The evidence no longer meets the rule after report ru-mod-crimea-drones-2025-04-02 was ' +
          'retracted (footage was from 2023).',
      ],
    ]);
  });
});

describe('reinforcement-during-ceasefire', () => {
  const violation = aViolationReport();
  const buildup = (occurredAt: string, details: Partial<Report['details']> = {}) =>
    aDeploymentReport({
      reportId: `ua-gs-ru-buildup-${occurredAt.slice(0, 10)}`,
      occurredAt,
      reportedAt: occurredAt,
      location: {
        name: 'Zaporizhzhia oblast',
        country: 'UA',
        lat: 47.5,
        lon: 35.5,
        precision: 'region',
      },
      details: {
        actor: 'RU',
        supporting: undefined,
        movement: 'buildup',
        personnel: { best: 600 },
        equipment: undefined,
        ...details,
      },
    } as never);

  it('given a Russian buildup of 600 three days after a violation, then it fires', () => {
    const changes = changesOf('reinforcement-during-ceasefire', [
      violation,
      buildup(daysAfter(violation.occurredAt, 3)),
    ]);
    expect(changes.map((c) => [c.change, c.alert.summary])).toEqual([
      [
        'raised',
        'RU reinforcing within 7 days of ceasefire violations (black-sea-maritime): deployments ' +
          'ua-gs-ru-buildup-2025-04-05; violations ua-navy-odesa-port-drones-2025-04-02',
      ],
    ]);
  });

  it('given the buildup before the violation (within 7 days), then it fires too', () => {
    const changes = changesOf('reinforcement-during-ceasefire', [
      buildup(daysAfter(violation.occurredAt, -7)),
      violation,
    ]);
    expect(changes.map((c) => c.change)).toEqual(['raised']);
  });

  it('given the buildup 7 days and 1 ms after, a withdrawal, or 400 unarmed personnel, then it does not fire', () => {
    expect(
      changesOf('reinforcement-during-ceasefire', [
        violation,
        buildup(msAfter(violation.occurredAt, 7 * 86_400_000 + 1)),
      ]),
    ).toEqual([]);
    expect(
      changesOf('reinforcement-during-ceasefire', [
        violation,
        buildup(hoursAfter(violation.occurredAt, 5), { movement: 'withdrawal' }),
      ]),
    ).toEqual([]);
    expect(
      changesOf('reinforcement-during-ceasefire', [
        violation,
        buildup(hoursAfter(violation.occurredAt, 5), { personnel: { best: 400 } }),
      ]),
    ).toEqual([]);
  });

  it('given 400 personnel with equipment, then it fires', () => {
    const changes = changesOf('reinforcement-during-ceasefire', [
      violation,
      buildup(hoursAfter(violation.occurredAt, 5), {
        personnel: { best: 400 },
        equipment: [{ category: 'drone', quantity: { best: 200 } }],
      }),
    ]);
    expect(changes.map((c) => c.change)).toEqual(['raised']);
  });
});

describe('sanctions-precondition', () => {
  // 25 March 2025: the Kremlin made reconnecting Rosselkhozbank to SWIFT a condition of the
  // Black Sea ceasefire; on 2 April Ukraine reported drones on Odesa's port.
  const demand = aSanctionDemandReport();
  const violation = aViolationReport();

  it('given the Rosselkhozbank demand and a violation 8 days later, then it fires', () => {
    const changes = changesOf('sanctions-precondition', [demand, violation]);
    expect(changes.map((c) => [c.change, c.alert.severity, c.alert.summary])).toEqual([
      [
        'raised',
        'medium',
        'RU makes sanctions on Rosselkhozbank a precondition for a ceasefire within 14 days of ' +
          'violations accusing RU: demands kremlin-rosselkhozbank-swift-2025-03-25; violations ' +
          'ua-navy-odesa-port-drones-2025-04-02',
      ],
    ]);
    expect(changes[0].alert.windowStart).toBe(demand.occurredAt);
    expect(changes[0].alert.windowEnd).toBe(violation.occurredAt);
  });

  it('given the violation 14 days and 1 ms later, or a demand without the condition, then it does not fire', () => {
    const late = { ...violation, occurredAt: msAfter(demand.occurredAt, 14 * 86_400_000 + 1) };
    const unconditional = aSanctionDemandReport({ details: { condition: undefined } });
    expect(changesOf('sanctions-precondition', [demand, late])).toEqual([]);
    expect(changesOf('sanctions-precondition', [unconditional, violation])).toEqual([]);
  });
});

describe('casualty-spike', () => {
  // Weekly tallies of civilians killed in one oblast, as its military administration gives them.
  const weekly = (index: number, occurredAt: string, best: number, cumulative = false) =>
    aCasualtyReport({
      reportId: `kharkiv-civilians-killed-${index}`,
      occurredAt,
      reportedAt: occurredAt,
      occurredPrecision: 'week',
      source: {
        name: 'Kharkiv Oblast Military Administration',
        kind: 'government',
        reliability: 'B',
        credibility: 2,
      },
      details: { party: 'UA', category: 'killed', civilian: true, count: { best }, cumulative },
    });
  const T = '2025-04-06T00:00:00.000Z';
  const baseline = [1, 2, 3, 4].map((week) => weekly(week, daysAfter(T, -7 * week), 40));

  it('given a 28-day baseline of 40 a week, when 120 are killed in the next week, then it fires', () => {
    const changes = changesOf('casualty-spike', [...baseline, weekly(5, T, 120)]);
    expect(changes.map((c) => [c.change, c.alert.summary])).toEqual([
      [
        'raised',
        '120 casualties in the 7 days to 2025-04-06T00:00Z against a weekly mean of 40 over the ' +
          '28 days before (ratio 3x; parties UA): kharkiv-civilians-killed-5',
      ],
    ]);
  });

  it('given 99 (twice the mean but below 100), or a cumulative total, then it does not fire', () => {
    expect(changesOf('casualty-spike', [...baseline, weekly(5, T, 99)])).toEqual([]);
    expect(changesOf('casualty-spike', [...baseline, weekly(5, T, 5000, true)])).toEqual([]);
  });

  it('given a baseline of 60 a week, when 119 are killed, then it does not fire; 120 does', () => {
    const higher = [1, 2, 3, 4].map((week) => weekly(week, daysAfter(T, -7 * week), 60));
    expect(changesOf('casualty-spike', [...higher, weekly(5, T, 119)])).toEqual([]);
    expect(changesOf('casualty-spike', [...higher, weekly(5, T, 120)])).toHaveLength(1);
  });
});
