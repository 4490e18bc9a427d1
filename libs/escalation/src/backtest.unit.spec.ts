import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Alert } from './alert.types';
import { backtest, backtestAsync, foldAlertChanges } from './backtest';
import { EscalationEngine } from './escalation-engine';
import type { EngineEvent } from './report-event';
import { parseRuleFiles } from './rule-file.parser';
import { engineHistory } from './testing/report-events';

const RULES_DIR = join(__dirname, '../../../infra/rules');
const parsed = parseRuleFiles(
  readdirSync(RULES_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => ({ name, content: readFileSync(join(RULES_DIR, name), 'utf8') })),
);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const rules = parsed.rules;

const events: EngineEvent[] = [
  ...engineHistory({ seed: 21, events: 2000, theatres: 3, days: 120 }),
];

function live(from: EngineEvent[]): Alert[] {
  const engine = new EscalationEngine(rules);
  const alerts = new Map<string, Alert>();
  for (const event of from) foldAlertChanges(alerts, engine.apply(event));
  return [...alerts.values()];
}

const json = (value: unknown): string => JSON.stringify(value);

describe('backtest', () => {
  it('given the history, then the backtest equals live processing, resolved alerts included', () => {
    const expected = live(events);
    const result = backtest(rules, events);

    expect(result.some((alert) => alert.status === 'resolved')).toBe(true);
    expect(json(result)).toBe(json(expected));
  });

  it('given a theatre, then only its alerts, the same as live', () => {
    const result = backtest(rules, events, { theatre: 'theatre-1' });
    const expected = live(events).filter((alert) => alert.theatre === 'theatre-1');
    expect(result.length).toBeGreaterThan(0);
    expect(json(result)).toBe(json(expected));
  });

  it('given from and to, then the alerts whose window meets that span', () => {
    const from = '2024-02-01T00:00:00.000Z';
    const to = '2024-02-15T00:00:00.000Z';
    const result = backtest(rules, events, { from, to });
    const expected = live(events).filter(
      (alert) => alert.windowEnd >= from && alert.windowStart <= to,
    );
    expect(result.length).toBeGreaterThan(0);
    expect(result.length).toBeLessThan(live(events).length);
    expect(json(result)).toBe(json(expected));
  });

  it('given events as an async stream of pages, then the same result', async () => {
    async function* pages(): AsyncGenerator<EngineEvent> {
      for (let start = 0; start < events.length; start += 500) {
        await Promise.resolve();
        yield* events.slice(start, start + 500);
      }
    }
    expect(json(await backtestAsync(rules, pages()))).toBe(json(backtest(rules, events)));
  });
});
