import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AlertChange } from './alert.types';
import { EscalationEngine } from './escalation-engine';
import type { ReportRecord, SlotValue } from './report-record';
import { compareRecords } from './report-record';
import { parseRuleFiles } from './rule-file.parser';
import type { Rule, Scalar } from './rule.types';
import { EvidenceAggregates } from './summary-aggregates';
import { engineHistory, rulesOf } from './testing/report-events';

/** The summary functions as a pass over the whole evidence computes them. */
function fullPass(evidence: readonly ReportRecord[], slot: number) {
  const visit = (each: (value: Scalar) => void): void => {
    for (const record of evidence) {
      const value = record.values[slot];
      if (value === null) continue;
      if (Array.isArray(value)) for (const item of value) each(item);
      else each(value);
    }
  };
  let sum = 0;
  visit((v) => {
    if (typeof v === 'number') sum += v;
  });
  let max = -Infinity;
  visit((v) => {
    if (typeof v === 'number' && v > max) max = v;
  });
  const values = new Set<Scalar>();
  visit((v) => values.add(v));
  return {
    sum,
    max: max === -Infinity ? undefined : max,
    distinct: values.size,
    values: [...values].map(String).sort().join(', ') || 'none',
  };
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('EvidenceAggregates', () => {
  // Integers (small, negative, zero and -0, near the safe limit), fractions, text, flags.
  const SCALARS: Scalar[] = [
    0,
    -0,
    1,
    2,
    7,
    -3,
    2500,
    0.1,
    0.2,
    1.5,
    -2.25,
    2 ** 53 - 1,
    2 ** 52,
    'RU',
    'UA',
    '1',
    true,
  ];

  function randomValue(random: () => number, scalars: readonly Scalar[]): SlotValue {
    const roll = random();
    if (roll < 0.15) return null;
    const pick = () => scalars[Math.floor(random() * scalars.length)];
    if (roll < 0.35) return Array.from({ length: 1 + Math.floor(random() * 3) }, pick);
    return pick();
  }

  it.each([
    [
      'integers only',
      SCALARS.filter((v) => Number.isSafeInteger(v) && Math.abs(v as number) < 1e6),
    ],
    ['integers, fractions, text and values near the safe limit', SCALARS],
  ])('gives what a full pass gives after random changes (%s)', (_, scalars) => {
    const random = mulberry32(15);
    const slots = [0, 1, 2];
    const aggregates = new EvidenceAggregates([0, 1, 2, 1]);
    let evidence: ReportRecord[] = [];
    let nextId = 0;
    const record = (id: string, t: number): ReportRecord => ({
      id,
      type: 'casualty',
      t,
      values: slots.map(() => randomValue(random, scalars)),
      patterns: [0],
    });
    let checks = 0;
    for (let step = 0; step < 3_000; step++) {
      const next = [...evidence];
      const roll = random();
      if (roll < 0.55 || next.length === 0) {
        // Filed: one or a few reports join (most at the end, some late).
        for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
          next.push(record(`r-${String(nextId++).padStart(5, '0')}`, Math.floor(random() * 50)));
        }
      } else if (roll < 0.75) {
        // Corrected: a new version of a report, at the same time or another.
        const index = Math.floor(random() * next.length);
        const old = next[index];
        next[index] = record(old.id, random() < 0.5 ? old.t : Math.floor(random() * 50));
      } else if (roll < 0.95) {
        // Retracted: a report leaves.
        next.splice(Math.floor(random() * next.length), 1);
      } else {
        // A window moving on: many leave at once, or all.
        next.splice(0, Math.floor(random() * (next.length + 1)));
      }
      evidence = next.sort(compareRecords);
      aggregates.update(evidence);
      for (const slot of slots) {
        const field = aggregates.field(slot);
        const expected = fullPass(evidence, slot);
        // max as text: -0 and 0 (which of them comes first) print alike in a summary.
        expect({
          sum: field.sum(evidence),
          max: String(field.max()),
          distinct: field.distinct(),
          values: field.values(),
        }).toEqual({ ...expected, max: String(expected.max) });
        expect(Object.is(field.sum(evidence), expected.sum)).toBe(true);
        checks++;
      }
    }
    expect(checks).toBe(9_000);
  });
});

/** The rule files as shipped in infra/rules. */
function defaultRules(): Rule[] {
  const dir = join(__dirname, '../../../infra/rules');
  const parsed = parseRuleFiles(
    readdirSync(dir)
      .filter((name) => name.endsWith('.yaml'))
      .map((name) => ({ name, content: readFileSync(join(dir, name), 'utf8') })),
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.rules;
}

describe('summaries kept up to date per alert', () => {
  // Rules whose summaries use every function, over windows where evidence comes and goes.
  const rules: Rule[] = [
    ...defaultRules(),
    ...rulesOf(
      {
        id: 'casualties-month',
        kind: 'threshold',
        description: 'casualties over a month',
        severity: 'low',
        cooldown: '30d',
        match: { type: 'casualty' },
        window: { duration: '30d' },
        require: { count: { atLeast: 2 } },
        summary:
          '{{count}}: {{sum:details.count.best}} max {{max:details.count.best}} ' +
          '{{distinct:details.party}} parties ({{values:details.party}}) ' +
          '{{values:details.category}} {{values:details.civilian}}: {{evidence}}',
      },
      {
        id: 'deployments-any',
        kind: 'threshold',
        description: 'every deployment',
        severity: 'low',
        cooldown: '14d',
        match: { type: 'deployment' },
        require: { count: { atLeast: 1 } },
        summary:
          '{{sum:details.personnel.best}} / {{max:details.personnel.best}} ' +
          '{{values:details.equipment.category}} {{distinct:details.actor}}',
      },
    ),
  ];

  it('says what an engine restored before each event (summaries made from all evidence) says', () => {
    // Few theatres, so that alerts gather hundreds of reports, with corrections and
    // retractions taking evidence away. A restored engine keeps no aggregates: its
    // summaries come from a pass over each alert's whole evidence.
    const engine = new EscalationEngine(rules);
    let changes = 0;
    let largest = 0;
    for (const event of engineHistory({ seed: 7, events: 1_500, theatres: 1, days: 90 })) {
      const restored = EscalationEngine.restore(rules, engine.snapshot());
      const expected: AlertChange[] = restored.apply(event);
      const actual = engine.apply(event);
      expect(actual).toEqual(expected);
      changes += actual.length;
      for (const change of actual) largest = Math.max(largest, change.alert.evidence.length);
    }
    // The history did what the test needs: many changes, and alerts with long evidence.
    expect(changes).toBeGreaterThan(500);
    expect(largest).toBeGreaterThan(100);
  });
});
