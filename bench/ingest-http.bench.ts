import autocannon from 'autocannon';
import { createHash, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { canonicalJson, reportedEventFor, reportStreamId, validateReport } from '@cm/contracts';
import { appendNotifierFor, PostgresEventStore, type BatchItem } from '@cm/event-store';
import { startProcess, stopProcess } from './alert-probes';
import type { BenchResult } from './bench-result';
import { measureRate, median } from './measure';

/**
 * Ingest over HTTP, validation and durable commit included, against the built monitor in a
 * process of its own (the load generator must not share its event loop). Targets from
 * ARCHITECTURE.md: single-report POST at 64 connections >= 3,000 req/s with p99 < 50 ms;
 * batch ingest >= 20,000 reports/s.
 *
 * Absolute rates move fourfold between machines of the same kind, so every HTTP row also
 * has a baseline measured in the same run on the same database, while the same monitor runs
 * (its projector and alerter handle the baseline's events too): the store's own appends of
 * the same reports from the bench process, store.append by 64 writers for the single POSTs
 * and appendBatch of 1000 by 4 writers for the batches. Rounds of HTTP and store alternate.
 * Targets: single POSTs >= 0.6x their baseline, batches >= 0.7x, and the worst case (every
 * report joining two open alerts) >= 0.8x the plain single POSTs.
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

/** What the store alone does with the same reports, in the bench process (see baselines). */
type StoreRound = (seconds: number) => Promise<number>;

/** Rounds per comparison; each HTTP round and store round lasts BENCH_HTTP_SECONDS / ROUNDS. */
const ROUNDS = 3;
/** The monitor's pool (DATABASE_POOL_SIZE's default): the baselines get a pool of that size. */
const POOL_SIZE = 20;
const SINGLE_CONNECTIONS = 64;
const BATCH_CONNECTIONS = 4;
const BATCH_SIZE = 1000;
/** The longest wait for the monitor to catch up between steps. */
const CATCH_UP_LIMIT_MS = 180_000;

interface Comparison {
  http: IngestHttpResult;
  /** The store's own appends of the same reports: reports/s, median of the rounds. */
  store: number | undefined;
  httpRounds: number[];
  storeRounds: number[];
  /** Seconds the monitor took after each HTTP round to handle what it had stored. */
  catchUpSeconds: number[];
}

async function load(
  name: string,
  options: autocannon.Options,
  reportsPerRequest: number,
): Promise<IngestHttpResult> {
  const result = await autocannon(options);
  // Completed 2xx answers over the whole run (autocannon's per-second average drops the
  // last, partial second).
  const ok = result['2xx'];
  const requestsPerSecond = ok / result.duration;
  return {
    name,
    requestsPerSecond: Math.round(requestsPerSecond),
    reportsPerSecond: Math.round(requestsPerSecond * reportsPerRequest),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    durationSeconds: result.duration,
  };
}

export async function benchIngestHttp(databaseUrl: string): Promise<BenchResult[]> {
  const { single, batch, alerting } = await measureIngestHttp(databaseUrl);
  const describe = (c: Comparison, unit: string) =>
    `median of ${ROUNDS} rounds of ${Math.round(c.http.durationSeconds)} s; HTTP ` +
    `${fmtRounds(c.httpRounds)} ${unit}` +
    (c.storeRounds.length > 0 ? `, store ${fmtRounds(c.storeRounds)} ${unit}` : '') +
    `; HTTP p50 ${c.http.p50Ms} ms, p99 ${c.http.p99Ms} ms (median round); non-2xx ` +
    `${c.http.non2xx}, errors ${c.http.errors}; projector and alerter caught up ` +
    `${c.catchUpSeconds.map((s) => s.toFixed(1)).join(' / ')} s after each HTTP round`;
  const ratio = (c: Comparison) => c.http.reportsPerSecond / (c.store ?? NaN);
  const worstVsPlain = alerting.http.requestsPerSecond / single.http.requestsPerSecond;
  return [
    {
      name: single.http.name,
      unit: 'req/s',
      value: single.http.requestsPerSecond,
      baseline: {
        name: `store.append, ${SINGLE_CONNECTIONS} writers`,
        value: Math.round(single.store ?? NaN),
      },
      target: {
        description: '>= 3,000 req/s, p99 < 50 ms; >= 0.6x the store',
        met:
          single.http.requestsPerSecond >= 3000 &&
          single.http.p99Ms < 50 &&
          single.http.non2xx === 0 &&
          ratio(single) >= 0.6,
      },
      details: describe(single, 'req/s'),
    },
    {
      name: batch.http.name,
      unit: 'reports/s',
      value: batch.http.reportsPerSecond,
      baseline: {
        name: `store.appendBatch, ${BATCH_CONNECTIONS} writers`,
        value: Math.round(batch.store ?? NaN),
      },
      target: {
        description: '>= 20,000 reports/s; >= 0.7x the store',
        met: batch.http.reportsPerSecond >= 20000 && batch.http.non2xx === 0 && ratio(batch) >= 0.7,
      },
      details: describe(batch, 'reports/s'),
    },
    {
      name: alerting.http.name,
      unit: 'req/s',
      value: alerting.http.requestsPerSecond,
      baseline: { name: 'the plain POSTs above', value: single.http.requestsPerSecond },
      target: { description: '>= 0.8x the plain POSTs', met: worstVsPlain >= 0.8 },
      details:
        describe(alerting, 'req/s') +
        '; in the same rounds as the plain POSTs (plain HTTP, its store baseline, worst-case ' +
        'HTTP; reversed every other round), against them ' +
        single.httpRounds.map((plain, i) => ratioOf(alerting.httpRounds[i], plain)).join(' / ') +
        ' round by round; each report re-evaluates and rewrites alerts holding every earlier ' +
        'report as evidence',
    },
  ];
}

async function measureIngestHttp(
  databaseUrl: string,
  seconds = Number(process.env.BENCH_HTTP_SECONDS ?? 15),
): Promise<{ single: Comparison; batch: Comparison; alerting: Comparison }> {
  const { child, url } = await startProcess('dist/apps/monitor/src/main.js', {
    DATABASE_URL: databaseUrl,
  });
  const pool = new Pool({ connectionString: databaseUrl, max: POOL_SIZE });
  const store = new PostgresEventStore(pool);
  const roundSeconds = Math.max(1, Math.round(seconds / ROUNDS));
  const caughtUp = () => waitUntilCaughtUp(url);
  try {
    const headers = { 'content-type': 'application/json' };
    // Warm-up: JIT, pool, prepared statements, on both sides.
    await autocannon({
      url: `${url}/v1/reports`,
      method: 'POST',
      headers,
      body: JSON.stringify(report('warm-[<id>]')),
      idReplacement: true,
      connections: 16,
      duration: 3,
    });
    await storeSingles(store, 'warm', false)(2);
    await storeBatches(store, 'warm')(2);
    await caughtUp();

    const singleLoad = (name: string, body: string) => () =>
      load(
        name,
        {
          url: `${url}/v1/reports`,
          method: 'POST',
          headers,
          body,
          idReplacement: true,
          connections: SINGLE_CONNECTIONS,
          duration: roundSeconds,
        },
        1,
      );
    // The plain and the worst-case single POSTs in the same rounds, so that their ratio is
    // not a change of the machine's load between two parts of the run. The worst case has no
    // store baseline of its own: appended faster than the alerter handles them, its reports
    // would leave the monitor a backlog that the rounds after it pay for.
    const [single, alerting] = await compare(ROUNDS, roundSeconds, caughtUp, [
      {
        http: singleLoad(
          `POST /v1/reports, ${SINGLE_CONNECTIONS} connections`,
          JSON.stringify(report('single-[<id>]')),
        ),
        store: storeSingles(store, 'single', false),
      },
      {
        http: singleLoad(
          `POST /v1/reports, ${SINGLE_CONNECTIONS} connections, every report joining two open alerts (worst case)`,
          JSON.stringify(report('alerting-[<id>]', 0, true)),
        ),
      },
    ]);
    const batchBody = JSON.stringify({
      reports: Array.from({ length: BATCH_SIZE }, (_, i) => report(`batch-[<id>]-${i}`, i)),
    });
    const [batch] = await compare(ROUNDS, roundSeconds, caughtUp, [
      {
        http: () =>
          load(
            `POST /v1/reports/batch (${BATCH_SIZE} reports), ${BATCH_CONNECTIONS} connections`,
            {
              url: `${url}/v1/reports/batch`,
              method: 'POST',
              headers,
              body: batchBody,
              idReplacement: true,
              connections: BATCH_CONNECTIONS,
              duration: roundSeconds,
              timeout: 30,
            },
            BATCH_SIZE,
          ),
        store: storeBatches(store, 'batch'),
      },
    ]);
    return { single, batch, alerting };
  } finally {
    await appendNotifierFor(pool).flush();
    await pool.end();
    await stopProcess(child);
  }
}

/**
 * `rounds` rounds, each running every pair's HTTP load and store baseline in turn (in
 * reverse order in odd rounds), so that drift over the run (a growing table, growing alerts,
 * other work on the machine) falls on all of them. Each step starts once the monitor has
 * handled everything stored before it (`caughtUp`), so none pays for another's backlog; the
 * time that took after each HTTP round is kept. The HTTP figures are those of the median
 * round of each.
 */
async function compare(
  rounds: number,
  seconds: number,
  caughtUp: () => Promise<number>,
  pairs: { http: () => Promise<IngestHttpResult>; store?: StoreRound }[],
): Promise<Comparison[]> {
  const httpResults = pairs.map((): IngestHttpResult[] => []);
  const storeRounds = pairs.map((): number[] => []);
  const catchUps = pairs.map((): number[] => []);
  const steps = pairs.flatMap((pair, index) => [
    async () => {
      httpResults[index].push(await pair.http());
      catchUps[index].push(await caughtUp());
    },
    ...(pair.store
      ? [
          async () => {
            storeRounds[index].push(await pair.store!(seconds));
            await caughtUp();
          },
        ]
      : []),
  ]);
  for (let round = 0; round < rounds; round++) {
    for (const step of round % 2 === 0 ? steps : [...steps].reverse()) await step();
  }
  return pairs.map((_, index) => {
    const byRate = [...httpResults[index]].sort((a, b) => a.reportsPerSecond - b.reportsPerSecond);
    return {
      http: byRate[Math.floor(byRate.length / 2)],
      store: storeRounds[index].length > 0 ? median(storeRounds[index]) : undefined,
      httpRounds: httpResults[index].map((r) => r.reportsPerSecond),
      storeRounds: storeRounds[index].map((rate) => Math.round(rate)),
      catchUpSeconds: catchUps[index],
    };
  });
}

/**
 * Waits until the monitor's projector and alerter have handled every stored event and
 * returns the seconds that took; gives up after CATCH_UP_LIMIT_MS and goes on (the figure
 * then says so by its size). The alerter's lag gauge counts events in reading order, so 0
 * is exact. The projector's is a difference of positions, which can stay above 0 when the
 * last transactions committed out of position order: it counts as caught up at 0, or when
 * it has not moved for a second.
 */
async function waitUntilCaughtUp(url: string): Promise<number> {
  const started = performance.now();
  let projector = { lag: NaN, since: started };
  while (performance.now() - started < CATCH_UP_LIMIT_MS) {
    const response = await fetch(`${url}/metrics`);
    const text = await response.text();
    const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    const now = performance.now();
    const projectorLag = gauge('cm_projector_lag_positions');
    if (projectorLag !== projector.lag) projector = { lag: projectorLag, since: now };
    const projectorDone = projectorLag === 0 || now - projector.since >= 1000;
    if (gauge('cm_alerter_lag_events') === 0 && projectorDone) break;
    await new Promise((resolveWait) => setTimeout(resolveWait, 200));
  }
  return (performance.now() - started) / 1000;
}

/**
 * The event and idempotency key ingest stores for a report (reportedEventFor, metadata with
 * provenance, the content hash), made once; each append only changes the reportId.
 */
function storedReport(template: Record<string, unknown>) {
  const validation = validateReport(template, { now: new Date() });
  if (!validation.ok) throw new Error(`bench report invalid: ${JSON.stringify(validation.errors)}`);
  const event = reportedEventFor(validation.value);
  return (reportId: string): BatchItem => {
    const data = { ...event.data, reportId };
    return {
      streamId: reportStreamId(reportId),
      events: [
        {
          type: event.type,
          data,
          metadata: { schemaVersion: 1, recordedBy: 'anonymous', requestId: randomUUID() },
        },
      ],
      expectedVersion: 'no_stream',
      idempotency: {
        key: reportId,
        contentHash: createHash('sha256').update(canonicalJson(data)).digest('base64url'),
      },
    };
  };
}

let storeRun = 0;

/** The store's own single appends (store.append), 64 writers: the single POSTs' baseline. */
function storeSingles(store: PostgresEventStore, prefix: string, alerting: boolean): StoreRound {
  const itemFor = storedReport(report('template', 0, alerting));
  return (seconds) => {
    const run = `store-${prefix}-${++storeRun}`;
    return measureRate(SINGLE_CONNECTIONS, seconds * 1000, async (writer, iteration) => {
      const item = itemFor(`${run}-${writer}-${iteration}`);
      await store.append(item.streamId, item.events, {
        expectedVersion: item.expectedVersion,
        idempotency: item.idempotency,
      });
      return 1;
    });
  };
}

/** appendBatch of 1000 of the batch POST's reports, 4 writers: the batch POSTs' baseline. */
function storeBatches(store: PostgresEventStore, prefix: string): StoreRound {
  const itemsFor = Array.from({ length: BATCH_SIZE }, (_, i) =>
    storedReport(report('template', i)),
  );
  return (seconds) => {
    const run = `store-${prefix}-${++storeRun}`;
    return measureRate(BATCH_CONNECTIONS, seconds * 1000, async (writer, iteration) => {
      const outcomes = await store.appendBatch(
        itemsFor.map((itemFor, i) => itemFor(`${run}-${writer}-${iteration}-${i}`)),
      );
      if (outcomes.some((outcome) => outcome.status !== 'created')) {
        throw new Error('bench batch item not created');
      }
      return BATCH_SIZE;
    });
  };
}

function ratioOf(value: number, baseline: number): string {
  return `${(value / baseline).toFixed(2)}x`;
}

function fmtRounds(rates: number[]): string {
  return rates.map((rate) => Math.round(rate).toLocaleString('en-US')).join(' / ');
}
