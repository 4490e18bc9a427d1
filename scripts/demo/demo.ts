import { parseArgs } from 'node:util';
import { formatAlerts, formatOverview, shortTime } from './demo-report';
import { sendScenario, servedCalls, untilSettled } from './demo-session';
import { MonitorClient, MonitorHttpError } from './monitor-client';
import { tarnValleyScenario } from './tarn-valley.scenario';

/** Where the demo sends its writes and asks its reads, and as whom. */
export interface DemoOptions {
  /** Serves POST /v1/reports, corrections, retractions and GET /v1/reports/{id} (ingest). */
  ingestUrl: string;
  /** Serves the overview, the alerts and /docs-json (query); the same as ingestUrl for a monitor. */
  queryUrl: string;
  /** Whose /metrics lag gauges must be 0 before the demo reads (ingest and query by default). */
  metricsUrls: string[];
  apiKey?: string;
}

export const DEMO_USAGE = `usage: npm run demo -- [--ingest-url <url>] [--query-url <url>] [--metrics-url <url> ...]

  --ingest-url   where reports are filed (env INGEST_URL; default MONITOR_URL)
  --query-url    where the overview and the alerts are read (env QUERY_URL; default MONITOR_URL)
  --metrics-url  a service whose /metrics lag gauges must reach 0 first; repeatable
                 (env METRICS_URLS, comma-separated; default the ingest and query URLs)
MONITOR_URL defaults to http://127.0.0.1:3000; API_KEY is a key with the ingest and read roles.`;

/**
 * The demo's options from its arguments and environment: a flag wins over its variable, which
 * wins over MONITOR_URL (default http://127.0.0.1:3000). Throws with the usage on a bad flag.
 */
export function demoOptions(args: string[], env: NodeJS.ProcessEnv): DemoOptions {
  let values: { 'ingest-url'?: string; 'query-url'?: string; 'metrics-url'?: string[] };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        'ingest-url': { type: 'string' },
        'query-url': { type: 'string' },
        'metrics-url': { type: 'string', multiple: true },
      },
    }));
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${DEMO_USAGE}`, { cause: error });
  }
  const monitorUrl = env.MONITOR_URL || 'http://127.0.0.1:3000';
  const ingestUrl = trimUrl(values['ingest-url'] ?? (env.INGEST_URL || monitorUrl));
  const queryUrl = trimUrl(values['query-url'] ?? (env.QUERY_URL || monitorUrl));
  const listed =
    values['metrics-url'] ??
    (env.METRICS_URLS ? env.METRICS_URLS.split(',').filter((url) => url.trim() !== '') : []);
  const metricsUrls = listed.length > 0 ? listed.map(trimUrl) : [ingestUrl, queryUrl];
  for (const url of [ingestUrl, queryUrl, ...metricsUrls]) {
    if (!/^https?:\/\/[^/]/.test(url)) {
      throw new Error(`not an http(s) URL: ${url}\n${DEMO_USAGE}`);
    }
  }
  return {
    ingestUrl,
    queryUrl,
    metricsUrls: [...new Set(metricsUrls)],
    apiKey: env.API_KEY || undefined,
  };
}

function trimUrl(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

/**
 * `npm run demo`: tells the Tarn valley story over HTTP (writes to the ingest URL), waits until
 * the projector and the alerter have handled it, and prints the theatre's overview and the
 * alerts raised (read from the query URL). One monitor serves both; the distributed mode
 * serves them from two services.
 */
export async function runDemo(
  options: DemoOptions,
  print: (text: string) => void,
  now = new Date(),
): Promise<void> {
  const ingest = new MonitorClient(options.ingestUrl, options.apiKey);
  const query = new MonitorClient(options.queryUrl, options.apiKey);
  const metrics = options.metricsUrls.map((url) => new MonitorClient(url, options.apiKey));
  const split = options.ingestUrl !== options.queryUrl;
  for (const client of new Set([ingest, query, ...metrics].map((c) => c.baseUrl))) {
    await checkReachable(new MonitorClient(client, options.apiKey), split);
  }

  const scenario = tarnValleyScenario(now);
  const filings = scenario.steps.filter((step) => step.kind === 'file').length;
  print(
    `The Tarn valley war (fictional): theatre ${scenario.theatre}, ${filings} reports over six weeks ` +
      `to ${shortTime(scenario.anchor.toISOString())} UTC, one correction, one retraction.`,
  );
  print(`Sending them to ${options.ingestUrl} ...`);
  await sendScenario(ingest, scenario, print);

  const started = Date.now();
  const calls = await servedCalls(query);
  const { overview, alerts, alertsSource } = await untilSettled(
    query,
    calls,
    scenario.theatre,
    metrics,
  );
  print(
    `Waiting for the projector and the alerter to catch up ... done in ${((Date.now() - started) / 1000).toFixed(1)} s.` +
      (split ? ` Reading from ${options.queryUrl}.` : '') +
      '\n',
  );
  print(overview ? formatOverview(overview) : overviewMissing(split));
  print('');
  if (alertsSource === 'backtest') print(alertsMissing(split));
  print(formatAlerts(alerts));
}

const splitHint =
  ' (in the distributed mode the reads are on the query service: --query-url or QUERY_URL)';
const overviewMissing = (split: boolean) =>
  'This server does not serve GET /v1/theatres/{t}/overview: no overview to show' +
  (split ? '.' : `${splitHint}.`);
const alertsMissing = (split: boolean) =>
  'This server does not serve GET /v1/alerts' +
  (split ? '' : splitHint) +
  ': below are the alerts the active rules raise over the stored reports ' +
  '(POST /v1/rules/backtest).\n';

async function checkReachable(client: MonitorClient, split: boolean): Promise<void> {
  try {
    await client.request('GET', '/health/live');
  } catch (error) {
    if (error instanceof MonitorHttpError) throw error;
    throw new Error(
      `No service answers at ${client.baseUrl} (${(error as Error).message}). Start the monitor ` +
        'in another terminal with `npm start`, or point ' +
        (split ? '--ingest-url, --query-url and --metrics-url' : 'MONITOR_URL') +
        ' at running services.',
      { cause: error },
    );
  }
}
