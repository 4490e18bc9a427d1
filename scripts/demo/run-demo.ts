import { formatAlerts, formatOverview, shortTime } from './demo-report';
import { sendScenario, servedCalls, untilSettled } from './demo-session';
import { MonitorClient, MonitorHttpError } from './monitor-client';
import { tarnValleyScenario } from './tarn-valley.scenario';

/**
 * `npm run demo`: tells the Tarn valley story to a running monitor (`npm start`) over HTTP,
 * waits until the projector and the alerter have handled it, and prints the theatre's overview
 * and the alerts raised. MONITOR_URL (default http://127.0.0.1:3000) and API_KEY (a key with
 * the ingest and read roles, when the server has API_KEYS) say where and as whom.
 */

async function main(): Promise<void> {
  const baseUrl = (process.env.MONITOR_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  const client = new MonitorClient(baseUrl, process.env.API_KEY || undefined);
  await checkReachable(client);

  const scenario = tarnValleyScenario(new Date());
  const filings = scenario.steps.filter((step) => step.kind === 'file').length;
  console.log(
    `The Tarn valley war (fictional): theatre ${scenario.theatre}, ${filings} reports over six weeks ` +
      `to ${shortTime(scenario.anchor.toISOString())} UTC, one correction, one retraction.`,
  );
  console.log(`Sending them to ${baseUrl} ...`);
  await sendScenario(client, scenario, (line) => console.log(line));

  process.stdout.write('Waiting for the projector and the alerter to catch up ... ');
  const started = Date.now();
  const calls = await servedCalls(client);
  const { overview, alerts, alertsSource } = await untilSettled(client, calls, scenario.theatre);
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);

  console.log(overview ? formatOverview(overview) : overviewMissing);
  console.log('');
  if (alertsSource === 'backtest') console.log(alertsMissing);
  console.log(formatAlerts(alerts));
}

const overviewMissing =
  'This server does not serve GET /v1/theatres/{t}/overview yet: no overview to show.';
const alertsMissing =
  'This server does not serve GET /v1/alerts yet: below are the alerts the active rules raise ' +
  'over the stored reports (POST /v1/rules/backtest).\n';

async function checkReachable(client: MonitorClient): Promise<void> {
  try {
    await client.request('GET', '/health/live');
  } catch (error) {
    if (error instanceof MonitorHttpError) throw error;
    throw new Error(
      `No monitor answers at ${client.baseUrl} (${(error as Error).message}). Start it in another ` +
        'terminal with `npm start`, or point MONITOR_URL at one.',
      { cause: error },
    );
  }
}

main().catch((error: unknown) => {
  console.error(`\nThe demo stopped: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
