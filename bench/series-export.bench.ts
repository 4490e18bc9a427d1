import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import {
  EVENT_TYPES,
  isReportedEvent,
  reportedEventFor,
  reportStreamId,
  type Report,
} from '@cm/contracts';
import { PostgresEventStore, type BatchItem } from '@cm/event-store';
import { systemClock } from '@cm/platform';
import {
  rebuildReadModels,
  SERIES_BY_OF_MEASURE,
  SERIES_INTERVALS,
  SERIES_MEASURES,
  type SeriesOptions,
} from '@cm/read-models';
import {
  aCasualtyReport,
  aDeploymentReport,
  aSanctionDemandReport,
  aViolationReport,
  reportHistory,
} from '../libs/contracts/src/testing';
import { TheatreDirectory } from '../apps/query/src/read-models/theatre-directory';
import { TheatreSeries } from '../apps/query/src/read-models/theatre-series';
import { startProcess, stopProcess } from './alert-probes';
import type { BenchResult } from './bench-result';
import { latencies, latencyResult } from './measure';

const EVENTS = Number(process.env.BENCH_SERIES_EVENTS ?? 1_000_000);
const REPORTS = Number(process.env.BENCH_EXPORT_REPORTS ?? 1_000_000);
const THEATRES = 200;
const APPEND_BATCH = 1000;
const LIVE_CALLS = 2000;
const AS_OF_CALLS = 300;

/** Every valid (measure, interval, by), taken in turn by the calls. */
const COMBINATIONS: Omit<SeriesOptions, 'from' | 'to'>[] = SERIES_MEASURES.flatMap((measure) =>
  SERIES_INTERVALS.flatMap((interval) =>
    SERIES_BY_OF_MEASURE[measure].map((by) => ({ measure, interval, by })),
  ),
);

/**
 * GET /v1/theatres/{t}/series and the exports on a big store. The synthetic history of
 * libs/escalation (seed 3, 200 theatres, 365 days; the query bench's) is appended, then plain
 * reports of the four types in theatres of their own until the read models hold REPORTS
 * current reports, and everything is projected by a rebuild. Series: through the query
 * service's class (TheatreSeries), one call at a time over the history's theatres and every
 * valid measure, interval and by, after a warm-up; live, and asOf at instants spread over the
 * recording time. Exports: the built query service (dist/apps/query) in a process of its own,
 * GET /v1/reports with Accept text/csv, then application/geo+json, read whole by a client in
 * the bench process as fast as it can; time to the last byte, and the server's peak RSS
 * (VmHWM, reset before each export through /proc/<pid>/clear_refs).
 */
export async function benchSeriesExport(databaseUrl: string): Promise<BenchResult[]> {
  const pool = new Pool({ connectionString: databaseUrl, max: 8 });
  pool.on('error', () => undefined);
  try {
    const { ms: loadMs, history, filler } = await appendHistory(pool);
    const rebuild = await rebuildReadModels(pool);
    await pool.query('VACUUM ANALYZE');
    const setup = `${(history + filler).toLocaleString('en-US')} events appended in ${(loadMs / 1000).toFixed(1)} s (the history's ${history.toLocaleString('en-US')}, then ${filler.toLocaleString('en-US')} reports to reach ${REPORTS.toLocaleString('en-US')} current ones), projected by a rebuild in ${(rebuild.elapsedMs / 1000).toFixed(1)} s`;
    console.log(`  ${setup}`);

    const { rows } = await pool.query<{ first: Date; last: Date }>(
      `SELECT min(recorded_at) AS first, max(recorded_at) AS last FROM events
       WHERE data->>'theatre' LIKE 'theatre-%'`,
    );
    const first = rows[0].first.getTime();
    const last = rows[0].last.getTime();
    const series = new TheatreSeries(pool, systemClock, new TheatreDirectory(pool));
    const theatre = (i: number) => `theatre-${(i * 7919) % THEATRES}`;
    const options = (i: number) => COMBINATIONS[i % COMBINATIONS.length];

    const live = await latencies(LIVE_CALLS, 200, (i) => series.live(theatre(i), options(i)));
    const asOf = await latencies(AS_OF_CALLS, 20, (i) =>
      series.asOf(
        theatre(i),
        new Date(first + (0.05 + 0.95 * ((i * 0.618034) % 1)) * (last - first)),
        options(i),
      ),
    );
    const results = [
      latencyResult(
        'series, live',
        live,
        50,
        `${LIVE_CALLS} calls over the ${COMBINATIONS.length} valid measure/interval/by combinations; ${setup}`,
      ),
      latencyResult(
        'series, asOf at an instant spread over the recorded history',
        asOf,
        300,
        `${AS_OF_CALLS} calls at instants from 5% to 100% of the recording time, by the golden ratio; ~${Math.round((EVENTS / THEATRES) * 0.525)} events folded on average`,
      ),
    ];

    const server = await startProcess('dist/apps/query/src/main.js', { DATABASE_URL: databaseUrl });
    try {
      for (const accept of ['text/csv', 'application/geo+json']) {
        results.push(await measureExport(server, accept));
      }
    } finally {
      await stopProcess(server.child);
    }
    return results;
  } finally {
    await pool.end();
  }
}

async function appendHistory(pool: Pool): Promise<{ ms: number; history: number; filler: number }> {
  const store = new PostgresEventStore(pool);
  const started = performance.now();
  let items: BatchItem[] = [];
  const flush = async () => {
    if (items.length) await store.appendBatch(items);
    items = [];
  };
  const push = async (streamId: string, type: string, data: unknown) => {
    items.push({
      streamId,
      events: [{ type, data, metadata: { schemaVersion: 1 } }],
      expectedVersion: 'any',
    });
    if (items.length === APPEND_BATCH) await flush();
  };
  let current = 0;
  let history = 0;
  for (const event of reportHistory({ seed: 3, events: EVENTS, theatres: THEATRES, days: 365 })) {
    if (isReportedEvent(event.type)) current++;
    if (event.type === EVENT_TYPES.ReportRetracted) current--;
    history++;
    await push(event.streamId, event.type, event.data);
  }
  const builders = [aDeploymentReport, aCasualtyReport, aViolationReport, aSanctionDemandReport];
  let filler = 0;
  for (; current < REPORTS; current++, filler++) {
    const report = builders[filler % builders.length]({
      reportId: `export-${filler}`,
      theatre: `export-${filler % 50}`,
    }) as Report;
    const occurred = Date.parse('2025-01-01T00:00:00.000Z') + filler * 30_000;
    report.occurredAt = new Date(occurred).toISOString();
    report.reportedAt = report.occurredAt;
    // A tenth without a location, for the GeoJSON export to leave out.
    if (filler % 10 === 0) delete report.location;
    const event = reportedEventFor(report);
    await push(reportStreamId(report.reportId), event.type, event.data);
  }
  await flush();
  return { ms: performance.now() - started, history, filler };
}

interface QueryServer {
  child: ChildProcess;
  url: string;
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(
    readFileSync(`/proc/${pid}/status`, 'utf8'),
  );
  return match ? Number(match[1]) : NaN;
}

async function measureExport(server: QueryServer, accept: string): Promise<BenchResult> {
  const pid = server.child.pid!;
  const rssBefore = statusKb(pid, 'VmRSS');
  let peakReset = true;
  try {
    // 5: reset the peak RSS to the current RSS (proc(5)), so VmHWM is this export's peak.
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    peakReset = false;
  }
  const started = performance.now();
  const response = await fetch(`${server.url}/v1/reports`, { headers: { accept } });
  if (response.status !== 200) throw new Error(`export answered ${response.status}`);
  let bytes = 0;
  let firstByteMs = 0;
  let records = 0;
  const reader = response.body!.getReader();
  const separator = accept === 'text/csv' ? 0x0a : 0x7d; // LF per row; '}' counted loosely
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (bytes === 0) firstByteMs = performance.now() - started;
    bytes += value.length;
    if (accept === 'text/csv') {
      for (let i = 0; i < value.length; i++) if (value[i] === separator) records++;
    }
  }
  const ms = performance.now() - started;
  const peak = statusKb(pid, 'VmHWM');
  const unlocated = response.headers.get('x-unlocated-count');
  const what = accept === 'text/csv' ? 'CSV' : 'GeoJSON';
  const counted =
    accept === 'text/csv'
      ? `${(records - 1).toLocaleString('en-US')} rows`
      : `${unlocated} unlocated left out (X-Unlocated-Count)`;
  return {
    name: `export of ${REPORTS.toLocaleString('en-US')} reports as ${what} (GET /v1/reports)`,
    unit: 's',
    value: Number((ms / 1000).toFixed(1)),
    details: `${(bytes / 1e6).toFixed(0)} MB, ${counted}, ${(bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s, first byte after ${firstByteMs.toFixed(0)} ms; server RSS ${(rssBefore / 1024).toFixed(0)} MB before, peak ${(peak / 1024).toFixed(0)} MB during${peakReset ? '' : ' (peak since start: clear_refs not writable)'}`,
  };
}
