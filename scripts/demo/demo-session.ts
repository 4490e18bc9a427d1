import { lagGauges, settledJson } from './caught-up';
import type { MonitorClient } from './monitor-client';
import type { AlertView, TheatreOverviewView } from './monitor-views';
import type { Scenario, ScenarioStep } from './tarn-valley.scenario';

/** What the demo does over HTTP: send a scenario, then wait until the monitor has handled it. */

const CATCH_UP_TIMEOUT_MS = 60_000;
const POLL_MS = 250;

interface ReportView {
  version: number;
  retracted: boolean;
  history: { type: string; position: number; data: { reason?: string } }[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How the filings were answered: 201 created, 200 duplicate, 409 conflict. */
export interface FilingTally {
  created: number;
  duplicate: number;
  conflict: number;
}

/**
 * Sends the scenario's steps in order. Filings are idempotent (the same report again is a 200);
 * a correction or retraction already in the report's history is not sent again, so a rerun the
 * same day changes nothing. `log` gets a line per correction and retraction, then the tally.
 */
export async function sendScenario(
  client: MonitorClient,
  scenario: Scenario,
  log: (line: string) => void,
): Promise<FilingTally> {
  const tally: FilingTally = { created: 0, duplicate: 0, conflict: 0 };
  for (const step of scenario.steps) {
    const outcome = await sendStep(client, step);
    if (outcome in tally) tally[outcome as keyof FilingTally]++;
    else log(`  ${outcome}`);
  }
  log(
    `  reports: ${tally.created} filed (201), ${tally.duplicate} already filed by an earlier run today (200)` +
      (tally.conflict
        ? `, ${tally.conflict} filed earlier with other content (409, left as they are)`
        : ''),
  );
  return tally;
}

/** 'created', 'duplicate' or 'conflict' for a filing; a line to print for the others. */
async function sendStep(client: MonitorClient, step: ScenarioStep): Promise<string> {
  switch (step.kind) {
    case 'file': {
      const { status } = await client.request('POST', '/v1/reports', step.report, [409]);
      return status === 201 ? 'created' : status === 200 ? 'duplicate' : 'conflict';
    }
    case 'correct': {
      const path = `/v1/reports/${encodeURIComponent(step.reportId)}`;
      const report = await client.get<ReportView>(path);
      const done = report.history.some(
        (event) => event.type === 'ReportCorrected' && event.data.reason === step.reason,
      );
      if (done) return `correction of ${step.reportId}: already applied by an earlier run`;
      const { body } = await client.request<{ version: number }>('POST', `${path}/corrections`, {
        expectedVersion: report.version,
        details: step.details,
        reason: step.reason,
      });
      return `correction of ${step.reportId}: applied (version ${body.version})`;
    }
    case 'retract': {
      const path = `/v1/reports/${encodeURIComponent(step.reportId)}`;
      const report = await client.get<ReportView>(path);
      if (report.retracted)
        return `retraction of ${step.reportId}: already applied by an earlier run`;
      const { body } = await client.request<{ version: number }>('POST', `${path}/retraction`, {
        expectedVersion: report.version,
        reason: step.reason,
      });
      return `retraction of ${step.reportId}: applied (version ${body.version})`;
    }
  }
}

export interface Settled {
  /** Undefined when the server does not serve the overview (overviewMissing). */
  overview: TheatreOverviewView | undefined;
  alerts: AlertView[];
  alertsSource: 'alerts' | 'backtest';
}

/**
 * Caught up: every subscriber's lag gauge on /metrics (cm_*_lag_events, cm_*_lag_positions) at
 * zero, on `client` or on each of `metricsFrom` (the services that run the subscribers, in the
 * distributed mode), and then the overview and the alerts the same twice in a row (a
 * subscriber without a gauge still settles).
 */
export async function untilSettled(
  client: MonitorClient,
  calls: ServedCalls,
  theatre: string,
  metricsFrom: readonly MonitorClient[] = [client],
): Promise<Settled> {
  const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
  for (;;) {
    const pages = await Promise.all(metricsFrom.map((each) => each.get<string>('/metrics')));
    const behind = pages.some((metrics) =>
      [...lagGauges(String(metrics)).values()].some((lag) => lag > 0),
    );
    if (!behind) break;
    if (Date.now() > deadline) throw new Error('the subscribers did not catch up within 60 s');
    await sleep(POLL_MS);
  }
  let previous: string | undefined;
  for (;;) {
    const current = await readTheatre(client, calls, theatre);
    const json = current && settledJson(current);
    if (current && json === previous) return current;
    if (Date.now() > deadline) {
      throw new Error(`the overview and the alerts of ${theatre} did not settle within 60 s`);
    }
    previous = json;
    await sleep(POLL_MS);
  }
}

/** The theatre's overview and alerts; undefined while the projector has not seen the theatre. */
async function readTheatre(
  client: MonitorClient,
  calls: ServedCalls,
  theatre: string,
): Promise<Settled | undefined> {
  const slug = encodeURIComponent(theatre);
  let overview: TheatreOverviewView | undefined;
  if (calls.overview) {
    const response = await client.request<TheatreOverviewView>(
      'GET',
      `/v1/theatres/${slug}/overview`,
      undefined,
      [404],
    );
    if (response.status === 404) return undefined;
    overview = response.body;
  }
  if (calls.alerts) {
    return { overview, alerts: await listAlerts(client, slug), alertsSource: 'alerts' };
  }
  const { body } = await client.request<{ items: AlertView[] }>('POST', '/v1/rules/backtest', {
    theatre,
  });
  return { overview, alerts: body.items, alertsSource: 'backtest' };
}

export interface ServedCalls {
  overview: boolean;
  alerts: boolean;
}

/** Which of the calls the demo prints from this server serves, by its OpenAPI document. */
export async function servedCalls(client: MonitorClient): Promise<ServedCalls> {
  const document = await client.get<{ paths?: Record<string, unknown> }>('/docs-json');
  const paths = Object.keys(document.paths ?? {});
  return {
    overview: paths.some((path) => /^\/v1\/theatres\/\{[^}]+\}\/overview$/.test(path)),
    alerts: paths.includes('/v1/alerts'),
  };
}

async function listAlerts(client: MonitorClient, slug: string): Promise<AlertView[]> {
  const alerts: AlertView[] = [];
  let cursor: string | null | undefined;
  do {
    const query = `theatre=${slug}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await client.get<{ items: AlertView[]; nextCursor?: string | null }>(
      `/v1/alerts?${query}`,
    );
    alerts.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return alerts;
}
