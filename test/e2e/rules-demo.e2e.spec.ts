import { formatAlerts, formatOverview } from '../../scripts/demo/demo-report';
import { sendScenario, servedCalls, untilSettled } from '../../scripts/demo/demo-session';
import { MonitorClient } from '../../scripts/demo/monitor-client';
import type { AlertView } from '../../scripts/demo/monitor-views';
import { tarnValleyScenario } from '../../scripts/demo/tarn-valley.scenario';
import type { TestApp } from '@cm/test-support';
import { startTestApp, TEST_KEYS } from '@cm/test-support';

/** What `npm run demo` does, against the real monitor over HTTP, twice. */
describe('the demo against the monitor (real app, real PostgreSQL)', () => {
  let testApp: TestApp;
  let client: MonitorClient;
  const scenario = tarnValleyScenario(new Date());
  const filings = scenario.steps.filter((step) => step.kind === 'file').length;

  const storedEvents = async (): Promise<number> => {
    const { rows } = await testApp.database.pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM events',
    );
    return Number(rows[0].n);
  };

  beforeAll(async () => {
    testApp = await startTestApp();
    client = new MonitorClient(testApp.baseUrl, TEST_KEYS.both);
  }, 120_000);
  afterAll(async () => {
    await testApp.close();
  }, 120_000);

  it('files the story, then shows the overview and an alert from every default rule', async () => {
    const lines: string[] = [];
    const tally = await sendScenario(client, scenario, (line) => lines.push(line));
    expect(tally).toEqual({ created: filings, duplicate: 0, conflict: 0 });
    expect(lines.filter((line) => / applied \(version 2\)$/.test(line))).toHaveLength(2);
    // Every filing, the correction and the retraction: one event each.
    expect(await storedEvents()).toBe(filings + 2);

    const calls = await servedCalls(client);
    expect(calls).toEqual({ overview: true, alerts: true });
    const { overview, alerts, alertsSource } = await untilSettled(client, calls, 'tarn-valley');
    expect(alertsSource).toBe('alerts');
    // The retracted report no longer counts; the corrected one counts once.
    expect(overview?.reports?.total).toBe(filings - 1);
    expect(alerts.map((alert) => `${alert.rule}:${alert.status}`).sort()).toEqual([
      'casualty-spike:open',
      'ceasefire-breakdown:open',
      'ceasefire-breakdown:resolved',
      'foreign-reinforcement:open',
      'heavy-weapons-transfer:open',
      'reinforcement-during-ceasefire:open',
      'sanctions-precondition:open',
    ]);
    const resolved = alerts.find((alert) => alert.status === 'resolved');
    expect(resolved?.resolution?.note).toMatch(/vio-tv-claim-d11/);

    // Live alerts are those a backtest of the same history gives: ids, windows, evidence, status.
    const backtest = await client.request<{ items: AlertView[] }>('POST', '/v1/rules/backtest', {
      theatre: 'tarn-valley',
    });
    const essentials = (list: AlertView[]) =>
      list
        .map(({ alertId, rule, status, summary, windowStart, windowEnd, raisedAt, evidence }) => ({
          alertId,
          rule,
          status,
          summary,
          windowStart,
          windowEnd,
          raisedAt,
          evidence,
        }))
        .sort((a, b) => a.alertId.localeCompare(b.alertId));
    expect(essentials(alerts)).toEqual(essentials(backtest.body.items));

    const printed = `${formatOverview(overview!)}\n${formatAlerts(alerts)}`;
    expect(printed).toMatch(/^Overview of tarn-valley at /);
    expect(printed).toMatch(/Alerts \(7\)/);
    expect(printed).toMatch(/Resolved: .*/);
  });

  it('changes nothing when run again the same day', async () => {
    const before = await storedEvents();
    const lines: string[] = [];
    const tally = await sendScenario(client, scenario, (line) => lines.push(line));
    expect(tally).toEqual({ created: 0, duplicate: filings, conflict: 0 });
    expect(lines.filter((line) => /already applied by an earlier run$/.test(line))).toHaveLength(2);
    expect(await storedEvents()).toBe(before);
    const calls = await servedCalls(client);
    const { alerts } = await untilSettled(client, calls, 'tarn-valley');
    expect(alerts).toHaveLength(7);
  });
});
