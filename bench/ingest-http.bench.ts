import autocannon from 'autocannon';
import { ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { BenchResult } from './bench-result';

/**
 * Ingest over HTTP, validation and durable commit included, against the built monitor in a
 * process of its own (the load generator must not share its event loop). Targets from
 * ARCHITECTURE.md: single-report POST at 64 connections >= 3,000 req/s with p99 < 50 ms;
 * batch ingest >= 20,000 reports/s.
 */
export interface IngestHttpResult {
  name: string;
  requestsPerSecond: number;
  reportsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  durationSeconds: number;
}

const root = resolve(__dirname, '..', '..');

/**
 * A deployment report. By default a withdrawal, which no default rule fires on: the
 * monitor's projector and alerter handle it, but no alert is written. `alerting`: a foreign
 * reinforcement with missiles, which joins the open foreign-reinforcement and
 * heavy-weapons-transfer alerts of its theatre (all share one occurredAt), so every report
 * rewrites two alerts whose evidence keeps growing: the worst case for the alerter.
 */
function report(reportId: string, index = 0, alerting = false): Record<string, unknown> {
  return {
    reportId,
    type: 'deployment',
    theatre: `bench-theatre-${index % 20}`,
    occurredAt: '2024-12-01T00:00:00.000Z',
    reportedAt: '2024-12-02T08:00:00.000Z',
    source: { name: 'Ministry of Defence', kind: 'government', reliability: 'B', credibility: 2 },
    location: { name: 'Kursk oblast', country: 'RU', lat: 51.7, lon: 36.2, precision: 'region' },
    details: {
      actor: 'KP',
      ...(alerting ? { supporting: 'RU', movement: 'arrival' } : { movement: 'withdrawal' }),
      personnel: { low: 2500, best: 3000, high: 3500 },
      equipment: [{ category: 'srbm' }, { category: 'mrl', quantity: { best: 24 } }],
    },
  };
}

async function startMonitor(databaseUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(root, 'dist/apps/monitor/src/main.js')], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', LOG_LEVEL: 'warn', API_KEYS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolveStart, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /serving (http:\/\/[^\s]+)/.exec(output);
      if (match) resolveStart({ child, url: match[1] });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`monitor exited (${code}): ${output}`)));
  });
}

async function load(
  name: string,
  options: autocannon.Options,
  reportsPerRequest: number,
): Promise<IngestHttpResult> {
  const result = await autocannon(options);
  return {
    name,
    requestsPerSecond: Math.round(result.requests.average),
    reportsPerSecond: Math.round(result.requests.average * reportsPerRequest),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    durationSeconds: result.duration,
  };
}

export async function benchIngestHttp(databaseUrl: string): Promise<BenchResult[]> {
  const [single, batch, alerting] = await measureIngestHttp(databaseUrl);
  const describe = (r: IngestHttpResult) =>
    `${r.durationSeconds} s; p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms; ${r.requestsPerSecond} req/s; non-2xx ${r.non2xx}, errors ${r.errors}`;
  return [
    {
      name: single.name,
      unit: 'req/s',
      value: single.requestsPerSecond,
      target: {
        description: '>= 3,000 req/s, p99 < 50 ms',
        met: single.requestsPerSecond >= 3000 && single.p99Ms < 50 && single.non2xx === 0,
      },
      details: describe(single),
    },
    {
      name: batch.name,
      unit: 'reports/s',
      value: batch.reportsPerSecond,
      target: {
        description: '>= 20,000 reports/s',
        met: batch.reportsPerSecond >= 20000 && batch.non2xx === 0,
      },
      details: describe(batch),
    },
    {
      name: alerting.name,
      unit: 'req/s',
      value: alerting.requestsPerSecond,
      details:
        describe(alerting) +
        '; each report re-evaluates and rewrites alerts holding every earlier report as evidence',
    },
  ];
}

async function measureIngestHttp(
  databaseUrl: string,
  seconds = Number(process.env.BENCH_HTTP_SECONDS ?? 15),
): Promise<IngestHttpResult[]> {
  const { child, url } = await startMonitor(databaseUrl);
  try {
    const headers = { 'content-type': 'application/json' };
    // Warm-up: JIT, pool, prepared statements.
    await autocannon({
      url: `${url}/v1/reports`,
      method: 'POST',
      headers,
      body: JSON.stringify(report('warm-[<id>]')),
      idReplacement: true,
      connections: 16,
      duration: 3,
    });
    const single = await load(
      'POST /v1/reports, 64 connections',
      {
        url: `${url}/v1/reports`,
        method: 'POST',
        headers,
        body: JSON.stringify(report('single-[<id>]')),
        idReplacement: true,
        connections: 64,
        duration: seconds,
      },
      1,
    );
    const batchBody = JSON.stringify({
      reports: Array.from({ length: 1000 }, (_, i) => report(`batch-[<id>]-${i}`, i)),
    });
    const batch = await load(
      'POST /v1/reports/batch (1000 reports), 4 connections',
      {
        url: `${url}/v1/reports/batch`,
        method: 'POST',
        headers,
        body: batchBody,
        idReplacement: true,
        connections: 4,
        duration: seconds,
        timeout: 30,
      },
      1000,
    );
    const alerting = await load(
      'POST /v1/reports, 64 connections, every report joining two open alerts (worst case)',
      {
        url: `${url}/v1/reports`,
        method: 'POST',
        headers,
        body: JSON.stringify(report('alerting-[<id>]', 0, true)),
        idReplacement: true,
        connections: 64,
        duration: seconds,
      },
      1,
    );
    return [single, batch, alerting];
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolveExit) => child.once('exit', resolveExit));
  }
}
