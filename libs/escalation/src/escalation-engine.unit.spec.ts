import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { aDeploymentReport } from '@cm/contracts/testing';
import type { Alert, AlertChange } from './alert.types';
import { foldAlertChanges } from './backtest';
import { RuleSetError } from './compiled-rules';
import { SnapshotMismatchError } from './engine-snapshot';
import { EscalationEngine } from './escalation-engine';
import type { EngineEvent, SkipReason } from './report-event';
import { parseRuleFiles } from './rule-file.parser';
import type { Rule } from './rule.types';
import { daysAfter, engineHistory, EventLog, hoursAfter, rulesOf } from './testing/report-events';

const RULES_DIR = join(__dirname, '../../../infra/rules');

function defaultRules(): Rule[] {
  const files = readdirSync(RULES_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => ({
      name: `infra/rules/${name}`,
      content: readFileSync(join(RULES_DIR, name), 'utf8'),
    }));
  const result = parseRuleFiles(files);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.rules;
}

const history = (seed: number, events = 2000): EngineEvent[] => [
  ...engineHistory({ seed, events, theatres: 3, days: 120 }),
];

function run(rules: Rule[], events: EngineEvent[], engine = new EscalationEngine(rules)) {
  const changes = events.map((event) => engine.apply(event));
  return { engine, changes };
}

/** Deep equality of large results through their JSON: toEqual takes seconds on thousands of alerts. */
const json = (value: unknown): string => JSON.stringify(value);

function finalAlerts(changes: AlertChange[][]): Map<string, Alert> {
  const alerts = new Map<string, Alert>();
  for (const batch of changes) foldAlertChanges(alerts, batch);
  return alerts;
}

const single = rulesOf({
  id: 'any-deployment',
  kind: 'threshold',
  description: 'every deployment',
  severity: 'low',
  cooldown: '1d',
  match: { type: 'deployment' },
  require: { count: { atLeast: 1 } },
  summary: '{{evidence}}',
});
const deployment = (reportId: string, occurredAt: string) =>
  aDeploymentReport({ reportId, occurredAt, reportedAt: occurredAt });

describe('determinism', () => {
  const rules = defaultRules();
  const events = history(7);

  it('given the same events in the same order, then the same changes, ids included', () => {
    const first = run(rules, events).changes;
    const second = run(rules, events).changes;

    const kinds = new Set(first.flat().map((change) => change.change));
    expect(kinds).toEqual(new Set(['raised', 'updated', 'resolved']));
    expect(json(second)).toBe(json(first));
  });

  it('given theatres interleaved differently, then every theatre gets the same alerts', () => {
    const theatreOf = (event: EngineEvent) => (event.data as { theatre: string }).theatre;
    const byTheatre = [...events].sort((a, b) => theatreOf(a).localeCompare(theatreOf(b)));

    const interleaved = finalAlerts(run(rules, events).changes);
    const grouped = finalAlerts(run(rules, byTheatre).changes);

    expect(interleaved.size).toBeGreaterThan(10);
    expect(json([...grouped].sort())).toBe(json([...interleaved].sort()));
  });

  it('given alerts, then their ids are UUIDs (version 8), distinct per alert', () => {
    const alerts = [...finalAlerts(run(rules, events).changes).values()];
    for (const alert of alerts) {
      expect(alert.alertId).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
    expect(new Set(alerts.map((alert) => alert.alertId)).size).toBe(alerts.length);
  });
});

describe('withPrevious', () => {
  it('given withPrevious, then each updated and resolved change carries the alert before it, and the changes are otherwise the same', () => {
    const events = history(21);
    const plain = run(defaultRules(), events).changes.flat();
    const withPrevious = run(
      defaultRules(),
      events,
      new EscalationEngine(defaultRules(), { withPrevious: true }),
    ).changes.flat();
    expect(plain.some((change) => 'previous' in change)).toBe(false);
    const last = new Map<string, Alert>();
    let checked = 0;
    for (const change of withPrevious) {
      if (change.change === 'raised') {
        expect('previous' in change).toBe(false);
      } else {
        expect(change.previous).toBe(last.get(change.alert.alertId));
        checked++;
      }
      // What the engine last handed out for this alert (a resolve hands out a copy).
      last.set(
        change.alert.alertId,
        change.change === 'resolved' ? change.previous! : change.alert,
      );
    }
    expect(checked).toBeGreaterThan(100);
    expect(
      json(
        withPrevious.map(
          ({ previous: _previous, ...change }: AlertChange & { previous?: Alert }) => change,
        ),
      ),
    ).toBe(json(plain));
  });
});

describe('snapshot and restore', () => {
  const rules = defaultRules();
  const events = history(11);
  const half = Math.floor(events.length / 2);

  it('given a snapshot mid-stream, when restored, then the rest gives the same changes as an uninterrupted run', () => {
    const uninterrupted = run(rules, events);

    const before = run(rules, events.slice(0, half));
    const stored = JSON.parse(JSON.stringify(before.engine.snapshot()));
    const restored = EscalationEngine.restore(rules, stored);
    const after = run(rules, events.slice(half), restored);

    expect(json(after.changes)).toBe(json(uninterrupted.changes.slice(half)));
    expect(json(restored.snapshot())).toBe(json(uninterrupted.engine.snapshot()));
  });

  it('given a restored engine, then its snapshot equals the one it was restored from', () => {
    const snapshot = run(rules, events.slice(0, half)).engine.snapshot();
    expect(json(EscalationEngine.restore(rules, snapshot).snapshot())).toBe(json(snapshot));
    expect(snapshot.theatres.length).toBe(3);
  });

  it('given a snapshot, when restored with other rules or another lateness, then it is refused', () => {
    const snapshot = run(rules, events.slice(0, 100)).engine.snapshot();
    expect(() => EscalationEngine.restore(rules.slice(1), snapshot)).toThrow(SnapshotMismatchError);
    expect(() => EscalationEngine.restore(rules, snapshot, { lateness: '10d' })).toThrow(
      SnapshotMismatchError,
    );
  });
});

describe('what the engine reads', () => {
  it('given an alert, then raisedAt is the recordedAt of the event that raised it, kept on updates', () => {
    const log = new EventLog();
    const engine = new EscalationEngine(single);
    const [raised] = engine.apply(
      log.reported(deployment('d1', '2025-01-01T00:00:00.000Z'), '2025-01-03T10:00:00.000Z'),
    );
    const [updated] = engine.apply(
      log.reported(deployment('d2', '2025-01-01T06:00:00.000Z'), '2025-01-04T10:00:00.000Z'),
    );
    expect(raised.alert.raisedAt).toBe('2025-01-03T10:00:00.000Z');
    expect(updated).toMatchObject({
      change: 'updated',
      alert: { raisedAt: '2025-01-03T10:00:00.000Z' },
    });
  });

  it('given events that are not report events or are malformed, then they are skipped and said so', () => {
    const skipped: SkipReason[] = [];
    const engine = new EscalationEngine(single, { onSkip: (_, reason) => skipped.push(reason) });
    const log = new EventLog();
    const report = deployment('d1', '2025-01-01T00:00:00.000Z');

    engine.apply({ position: 1, recordedAt: new Date(), type: 'SomethingElse', data: {} });
    engine.apply({
      position: 2,
      recordedAt: new Date(),
      type: 'DeploymentReported',
      data: { reportId: 'x' },
    });
    const retraction = engine.apply(log.retracted(report));

    expect(skipped).toEqual(['not_a_report_event', 'malformed']);
    expect(retraction).toEqual([]);
  });

  it('given the same report event delivered twice, then the second changes nothing', () => {
    const log = new EventLog();
    const engine = new EscalationEngine(single);
    const event = log.reported(deployment('d1', '2025-01-01T00:00:00.000Z'));
    expect(engine.apply(event).map((c) => c.change)).toEqual(['raised']);
    expect(engine.apply(event)).toEqual([]);
  });

  it('given a report no rule matched, when a correction makes it match, then it counts', () => {
    const log = new EventLog();
    const engine = new EscalationEngine(
      rulesOf({
        ...single[0],
        match: { type: 'deployment', where: [{ field: 'details.personnel.best', gte: 1000 }] },
      }),
    );
    const small = aDeploymentReport({ reportId: 'd1', details: { personnel: { best: 10 } } });
    expect(engine.apply(log.reported(small))).toEqual([]);
    const changes = engine.apply(log.corrected(small, { details: { personnel: { best: 5000 } } }));
    expect(changes.map((c) => c.change)).toEqual(['raised']);
  });

  it('given invalid rules, then the engine refuses them with their errors', () => {
    const broken = { ...single[0], cooldown: 'soon' } as unknown as Rule;
    expect(() => new EscalationEngine([broken])).toThrow(RuleSetError);
    try {
      new EscalationEngine([broken]);
    } catch (error) {
      expect((error as RuleSetError).errors).toEqual([
        {
          rule: 'any-deployment',
          path: '0.cooldown',
          message: 'must be a duration such as 30m, 72h, 7d or 2w',
        },
      ]);
    }
  });
});

describe('late reports and bounded state', () => {
  // The theatre's newest report is at NOW; lateness 10d; the rule's horizon is its 1d cooldown.
  const NOW = '2025-06-20T15:00:00.000Z';
  const DAY_START = '2025-06-20T00:00:00.000Z';

  function engineAtNow() {
    const skipped: SkipReason[] = [];
    const engine = new EscalationEngine(single, {
      lateness: '10d',
      onSkip: (_, reason) => skipped.push(reason),
    });
    const log = new EventLog();
    engine.apply(log.reported(deployment('now', NOW)));
    return { engine, log, skipped };
  }

  it('given a report exactly `lateness` behind the theatre (its day), then it is judged as usual', () => {
    const { engine, log } = engineAtNow();
    const changes = engine.apply(log.reported(deployment('late', daysAfter(DAY_START, -10))));
    expect(changes.map((c) => c.change)).toEqual(['raised']);
  });

  it('given a report further behind, then its window is closed: it raises nothing', () => {
    const { engine, log, skipped } = engineAtNow();
    const changes = engine.apply(
      log.reported(deployment('late', hoursAfter(DAY_START, -10 * 24 - 1))),
    );
    expect(changes).toEqual([]);
    expect(skipped).toEqual([]);
  });

  it('given a report beyond lateness and every rule horizon, then it is skipped as too late', () => {
    const { engine, log, skipped } = engineAtNow();
    engine.apply(log.reported(deployment('ancient', daysAfter(DAY_START, -12))));
    expect(skipped).toEqual(['too_late']);
  });

  it('given a year of history, then the engine keeps only the reports of the last lateness + horizon', () => {
    const rules = defaultRules();
    const engine = new EscalationEngine(rules);
    for (const event of engineHistory({ seed: 3, events: 3000, theatres: 2, days: 365 })) {
      engine.apply(event);
    }
    const snapshot = engine.snapshot();
    // Default rules: lateness 30d; horizon 42d (spike 35d + 7d cooldown; 14d + 14d + 14d).
    for (const theatre of snapshot.theatres) {
      const day = Math.floor(theatre.watermark / 86_400_000) * 86_400_000;
      const oldest = Math.min(...theatre.reports.map(([, , t]) => t));
      expect(oldest).toBeGreaterThanOrEqual(day - 72 * 86_400_000);
      expect(theatre.reports.length).toBeLessThan(3000 / 2 / 3);
    }
    for (const alert of engine.openAlerts()) {
      expect(Date.parse(alert.windowEnd)).toBeGreaterThan(Date.parse('2024-10-01T00:00:00Z'));
    }
  });
});

describe('theatres', () => {
  it('given the same reports in two theatres, then each raises its own alert', () => {
    const log = new EventLog();
    const engine = new EscalationEngine(single);
    const changes = [
      ...engine.apply(log.reported(deployment('a', '2025-01-01T00:00:00.000Z'))),
      ...engine.apply(
        log.reported(
          aDeploymentReport({
            reportId: 'b',
            theatre: 'sudan',
            occurredAt: '2025-01-01T00:00:00.000Z',
          }),
        ),
      ),
    ];
    expect(changes.map((c) => [c.change, c.alert.theatre])).toEqual([
      ['raised', 'russia-ukraine'],
      ['raised', 'sudan'],
    ]);
    expect(engine.openAlerts('sudan')).toHaveLength(1);
  });
});
