import { resolve } from 'node:path';
import type { Report } from '@cm/contracts';
import { reportStreamId } from '@cm/contracts';
import { backtest } from '@cm/escalation';
import type { EngineEvent, Rule } from '@cm/escalation';
import { PostgresEventStore } from '@cm/event-store';
import { createTestDatabase } from '@cm/test-support';
import type { TestDatabase } from '@cm/test-support';
import { loadRulesDirectory } from '@cm/alerts';
import { EventLog } from '@cm/escalation/testing/report-events';
import {
  contractAlerts,
  readAllEvents,
  storedAlerts,
} from '@cm/test-support/synthetic-history-store';
import { Alerter } from './alerter';

jest.setTimeout(300_000);

const THEATRES = ['long-a', 'long-b'];
const PER_THEATRE = 1600;
const START = Date.parse('2025-03-01T00:00:00.000Z');

/**
 * A foreign reinforcement with missiles: it joins the open foreign-reinforcement and
 * heavy-weapons-transfer alerts of its theatre, so both grow by one piece of evidence a report.
 */
function reinforcement(theatre: string, index: number): Report {
  return {
    reportId: `${theatre}-r${index}`,
    type: 'deployment',
    theatre,
    // All within the rules' 7-day cooldown, so the alerts accumulate every report.
    occurredAt: new Date(START + index * 5 * 60_000).toISOString(),
    reportedAt: new Date(START + index * 5 * 60_000 + 3_600_000).toISOString(),
    source: { name: 'Ministry of Defence', kind: 'government', reliability: 'B', credibility: 2 },
    location: { name: 'Kursk oblast', country: 'RU', lat: 51.7, lon: 36.2, precision: 'region' },
    details: {
      actor: 'KP',
      supporting: 'RU',
      movement: 'arrival',
      personnel: { low: 2500, best: 3000, high: 3500 },
      equipment: [{ category: 'srbm' }, { category: 'mrl', quantity: { best: 24 } }],
    },
  } as unknown as Report;
}

/**
 * Alerts that accumulate thousands of evidence entries, while some of that evidence is
 * corrected away (fewer personnel, a withdrawal), moved in event time or retracted.
 */
function longHistory(): EngineEvent[] {
  const log = new EventLog('2025-03-01T00:00:00.000Z');
  const events: EngineEvent[] = [];
  for (let index = 0; index < PER_THEATRE; index++) {
    for (const theatre of THEATRES) {
      const report = reinforcement(theatre, index);
      events.push(log.reported(report));
      if (index % 97 === 13) {
        events.push(
          log.corrected(report, {
            details: { ...report.details, movement: 'withdrawal' } as Report['details'],
          }),
        );
      } else if (index % 89 === 7) {
        events.push(log.retracted(report));
      } else if (index % 83 === 5) {
        events.push(
          log.corrected(report, {
            occurredAt: new Date(Date.parse(report.occurredAt) - 3_600_000).toISOString(),
          }),
        );
      }
    }
  }
  return events;
}

describe('the alerter on alerts with thousands of evidence entries', () => {
  let db: TestDatabase;
  let rules: Rule[];
  let head: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    rules = await loadRulesDirectory(resolve(__dirname, '../../../infra/rules'));
    const store = new PostgresEventStore(db.pool);
    const events = longHistory();
    for (let start = 0; start < events.length; start += 500) {
      await store.appendBatch(
        events.slice(start, start + 500).map((event) => ({
          streamId: reportStreamId((event.data as { reportId: string }).reportId),
          events: [{ type: event.type, data: event.data }],
          expectedVersion: 'any' as const,
        })),
      );
    }
    head = await store.headPosition();
  }, 300_000);
  afterAll(() => db.drop(), 120_000);

  it('stores what a backtest gives, across restarts and another process taking over', async () => {
    // One process part of the way, another after it, then the first again: its memory of what
    // it wrote is stale by then and must not be trusted.
    const first = new Alerter({ pool: db.pool, rules, batchSize: 97, snapshotEvery: 1000 });
    await first.start();
    await first.waitUntilCaughtUp(Math.floor(head / 3), 120_000);
    await first.stop();
    const second = new Alerter({ pool: db.pool, rules, batchSize: 250, snapshotEvery: 1000 });
    await second.start();
    await second.waitUntilCaughtUp(Math.floor((2 * head) / 3), 120_000);
    await second.stop();
    await first.start();
    await first.waitUntilCaughtUp(head, 120_000);
    await first.stop();

    // Read once the alerter has reached the head: a read holds back events while older
    // transactions (of any database on the server) are still running.
    const expected = contractAlerts(backtest(rules, await readAllEvents(db.pool)));
    const longest = Math.max(...expected.map((alert) => alert.evidence.length));
    expect(longest).toBeGreaterThan(1000);
    expect(contractAlerts(await storedAlerts(db.pool))).toEqual(expected);

    // The journal's last entry of each alert is the alert as stored.
    const { rows } = await db.pool.query<{ same: boolean }>(
      `SELECT bool_and(c.alert->'evidence' = s.alert->'evidence'
                       AND c.alert->>'summary' = a.summary) AS same
       FROM alerts a
       JOIN LATERAL (SELECT alert FROM alert_journal c WHERE c.alert_id = a.alert_id
                     ORDER BY c.seq DESC LIMIT 1) c ON true
       JOIN jsonb_array_elements($1::jsonb) AS s(alert) ON s.alert->>'alertId' = a.alert_id::text`,
      [JSON.stringify(await storedAlerts(db.pool))],
    );
    expect(rows[0].same).toBe(true);

    // Each entry journals what changed, not the whole alert: its size is a header and the
    // evidence it added or removed, whatever its alert holds (thousands of entries here).
    const sizes = await db.pool.query<{ evidence: number; changed: number; bytes: number }>(
      `SELECT jsonb_array_length(j.alert->'evidence') AS evidence,
         jsonb_array_length(c.evidence_added) + jsonb_array_length(c.evidence_removed) AS changed,
         pg_column_size(c.*) AS bytes
       FROM alert_changes c JOIN alert_journal j USING (seq)`,
    );
    expect(Math.max(...sizes.rows.map((row) => row.evidence))).toBeGreaterThan(1000);
    const overhead = sizes.rows.map((row) => row.bytes - 200 * row.changed);
    expect(Math.max(...overhead)).toBeLessThan(2000);
  });
});
