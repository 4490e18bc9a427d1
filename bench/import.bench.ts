import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Pool } from 'pg';
import { canonicalJson, reportedEventFor, reportStreamId, validateReport } from '@cm/contracts';
import { PostgresEventStore, type BatchItem } from '@cm/event-store';
import { ACLED_COLUMNS } from '../scripts/import/acled.mapper';
import { csvRows } from '../scripts/import/csv-rows';
import { mapperFor } from '../scripts/import/importer';
import { TheatreMapping } from '../scripts/import/theatre-mapping';
import { UCDP_GED_COLUMNS } from '../scripts/import/ucdp-ged.mapper';
import { root, startProcess, stopProcess } from './alert-probes';
import type { BenchResult } from './bench-result';

/** IMPORT_BENCH_SCALE=0.05 for a quick trial run by hand; the figures kept are at 1. */
const SCALE = Number(process.env.IMPORT_BENCH_SCALE) || 1;
const ROWS = Math.round(200_000 * SCALE);
const SMALL_ROWS = Math.round(20_000 * SCALE);
/** Rows of the two ceiling runs (the ingest service alone, appendBatch alone). */
const CEILING_ROWS = Math.round(100_000 * SCALE);
const TARGET_ROWS_PER_SECOND = 20_000;

const COUNTRIES = [
  ['804', 'Ukraine', 'UKR', 48.5, 37.5],
  ['643', 'Russia', 'RUS', 50.6, 36.6],
  ['760', 'Syria', 'SYR', 36.2, 37.1],
  ['729', 'Sudan', 'SDN', 15.5, 32.5],
  ['104', 'Myanmar', 'MMR', 21.9, 95.9],
] as const;

const csvCell = (value: string) =>
  /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
const day = (index: number) => new Date(Date.UTC(2023, 0, 1) + (index % 700) * 86_400_000);

/** ACLED rows, every one with fatalities (one report each), notes with commas and quotes. */
export function acledRow(index: number, prefix: string): string {
  const [iso, country, code, lat, lon] = COUNTRIES[index % COUNTRIES.length];
  const date = day(index).toISOString().slice(0, 10);
  const values: Record<string, string> = {
    event_id_cnty: `${code}${prefix}${index}`,
    event_date: date,
    year: date.slice(0, 4),
    time_precision: String((index % 3) + 1),
    disorder_type: 'Political violence',
    event_type: index % 4 === 0 ? 'Violence against civilians' : 'Battles',
    sub_event_type: index % 4 === 0 ? 'Attack' : 'Armed clash',
    actor1: 'Military Forces of X (2000-)',
    inter1: 'State forces',
    actor2: 'Rebel group Y',
    inter2: 'Rebel group',
    interaction: 'State forces-Rebel group',
    civilian_targeting: index % 4 === 0 ? 'Civilian targeting' : '',
    iso,
    region: 'Somewhere',
    country,
    admin1: 'Province',
    admin2: 'District',
    admin3: '',
    location: `Town ${index % 997}`,
    latitude: (lat + (index % 100) / 100).toFixed(4),
    longitude: (lon + (index % 50) / 100).toFixed(4),
    geo_precision: String((index % 3) + 1),
    source: 'Local media; National outlet',
    source_scale: 'National',
    notes: `On ${date}, clashes near "Town ${index % 997}", Province, left ${(index % 9) + 1} dead, several wounded.`,
    fatalities: String((index % 9) + 1),
    tags: '',
    timestamp: String(Math.floor(day(index).getTime() / 1000) + 7 * 86_400),
  };
  return ACLED_COLUMNS.map((name) => csvCell(values[name] ?? '')).join(',');
}

/** UCDP GED rows: both sides with deaths, civilians in every third (2 or 3 reports a row). */
export function ucdpRow(index: number): string {
  const date = `${day(index).toISOString().slice(0, 10)} 00:00:00.000`;
  const civilians = index % 3 === 0 ? 2 : 0;
  const values: Record<string, string> = {
    id: String(1_000_000 + index),
    relid: `X-${index}`,
    year: date.slice(0, 4),
    active_year: '1',
    code_status: 'Clear',
    type_of_violence: '1',
    conflict_new_id: String(13000 + (index % 20)),
    conflict_name: `Country ${index % 20}: Government`,
    side_a: 'Government of Russia (Soviet Union)',
    side_a_new_id: '57',
    side_b: `Rebel group ${index % 20}`,
    side_b_new_id: String(900 + (index % 20)),
    where_prec: String((index % 7) + 1),
    where_coordinates: `Village ${index % 997}, district`,
    latitude: (48 + (index % 100) / 100).toFixed(4),
    longitude: (37 + (index % 50) / 100).toFixed(4),
    country: 'Ukraine',
    event_clarity: '1',
    date_prec: String((index % 5) + 1),
    date_start: date,
    date_end: date,
    deaths_a: '2',
    deaths_b: '3',
    deaths_civilians: String(civilians),
    deaths_unknown: '0',
    best: String(5 + civilians),
    high: String(8 + civilians),
    low: String(4 + civilians),
  };
  return UCDP_GED_COLUMNS.map((name) => csvCell(values[name] ?? '')).join(',');
}

export async function writeFile(
  path: string,
  header: readonly string[],
  rows: number,
  row: (i: number) => string,
) {
  const out = createWriteStream(path);
  out.write(`${header.join(',')}\n`);
  for (let i = 0; i < rows; i++) {
    if (!out.write(`${row(i)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

interface ImportRun {
  seconds: number;
  peakRssMb: number;
  /** CPU seconds (user + system) of the importer and of the monitor during the run. */
  importerCpu: number;
  monitorCpu: number;
  databaseCpu: number;
  rows: number;
  /** The machine's 1-minute load average at the end: other work slows the run. */
  load: string;
  summary: string;
}

/** User + system CPU seconds of a process so far, from /proc (clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * CPU seconds of the PostgreSQL server that serves a database: its postmaster (found as the
 * parent of a backend whose process title names the database), everything it has reaped
 * (backends that closed; cutime and cstime) and its live children (backends, WAL writer,
 * checkpointer). The bench's server serves only the bench.
 */
const postmasters = new Map<string, string>();

function databaseCpuSeconds(database: string): number {
  const stat = (pid: string) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const processes: { pid: string; ppid: string; title: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      processes.push({
        pid: entry,
        ppid: stat(entry)[1],
        title: readFileSync(`/proc/${entry}/cmdline`, 'utf8'),
      });
    } catch {
      // Gone meanwhile.
    }
  }
  // Found once and kept: a service just started may hold no connection yet.
  const backend = processes.find(
    (process) => process.title.startsWith('postgres: ') && process.title.includes(` ${database} `),
  );
  if (backend) postmasters.set(database, backend.ppid);
  const postmaster = postmasters.get(database);
  if (!postmaster) return 0;
  let total = 0;
  try {
    const fields = stat(postmaster);
    total +=
      (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return 0;
  }
  for (const process of processes) {
    if (process.ppid !== postmaster) continue;
    try {
      total += cpuSeconds(Number(process.pid));
    } catch {
      // Exited: its time is now in the postmaster's cutime, counted on the next reading.
    }
  }
  return total;
}

/** The built CLI in a process of its own; its peak RSS sampled from /proc every 20 ms. */
async function runImport(
  format: string,
  file: string,
  rows: number,
  monitor: { url: string; pid: number; database: string },
): Promise<ImportRun> {
  const monitorUrl = monitor.url;
  const monitorCpuBefore = cpuSeconds(monitor.pid);
  const databaseCpuBefore = databaseCpuSeconds(monitor.database);
  const started = process.hrtime.bigint();
  const child = spawn(
    process.execPath,
    // As `npm run import` runs it: Node 24 grows the young generation while the importer runs
    // at full speed (peak RSS 291 MB instead of 179 MB on 200,000 rows); a cap of 8 MB per
    // semi-space keeps the peak flat whatever the file's size, at no CPU cost measured.
    ['--max-semi-space-size=8', join(root, 'dist/scripts/import/run-import.js'), format, file],
    {
      cwd: root,
      env: { ...process.env, MONITOR_URL: monitorUrl, API_KEY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let peakKb = 0;
  let importerCpu = 0;
  const sample = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const hwm = /VmHWM:\s+(\d+)/.exec(status);
      if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
      importerCpu = cpuSeconds(child.pid!);
    } catch {
      // Exited between two samples.
    }
  }, 20);
  const [code] = (await once(child, 'exit')) as [number];
  clearInterval(sample);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`import ${format} ${file} exited ${code}: ${output}`);
  return {
    seconds,
    peakRssMb: peakKb / 1024,
    importerCpu,
    monitorCpu: cpuSeconds(monitor.pid) - monitorCpuBefore,
    databaseCpu: databaseCpuSeconds(monitor.database) - databaseCpuBefore,
    rows,
    load: readFileSync('/proc/loadavg', 'utf8').split(' ')[0],
    summary: output.trim().split('\n')[0],
  };
}

interface StoreRun {
  seconds: number;
  reports: number;
  /** CPU seconds of this process (appendBatch's JavaScript) and of PostgreSQL during it. */
  benchCpu: number;
  databaseCpu: number;
  load: string;
}

/**
 * The store's ceiling for the same reports: the file mapped by the importer's mapper and
 * validated by the contract's validateReport (not timed), each report made into the batch
 * item the ingest service makes (its Reported event, provenance metadata, the sha256 of its
 * canonical JSON as the idempotency key's hash), then appendBatch in batches of 1000, 4 in
 * flight, as the importer sends them. No HTTP, no importer, no projector or alerter.
 */
async function runAppendBatchAlone(file: string, databaseUrl: string): Promise<StoreRun> {
  const mapper = mapperFor('acled', { release: 'ACLED', theatres: TheatreMapping.empty() });
  const now = new Date();
  const batches: BatchItem[][] = [[]];
  let metadata = { schemaVersion: 1, recordedBy: 'anonymous', requestId: randomUUID() };
  for await (const row of csvRows(createReadStream(file))) {
    const result = mapper.map(row);
    if (result.kind !== 'reports') continue;
    for (const mapped of result.reports) {
      const validation = validateReport(mapped, { now });
      if (!validation.ok) throw new Error(`line ${row.line}: ${JSON.stringify(validation.errors)}`);
      const report = validation.value;
      const event = reportedEventFor(report);
      if (batches[batches.length - 1].length === 1000) {
        batches.push([]);
        metadata = { ...metadata, requestId: randomUUID() };
      }
      batches[batches.length - 1].push({
        streamId: reportStreamId(report.reportId),
        events: [{ type: event.type, data: event.data, metadata }],
        expectedVersion: 'no_stream',
        idempotency: {
          key: report.reportId,
          contentHash: createHash('sha256').update(canonicalJson(report)).digest('base64url'),
        },
      });
    }
  }
  const pool = new Pool({ connectionString: databaseUrl, max: 4 });
  try {
    const store = new PostgresEventStore(pool);
    const database = new URL(databaseUrl).pathname.slice(1);
    await pool.query('SELECT 1');
    const databaseBefore = databaseCpuSeconds(database);
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    let next = 0;
    let reports = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < batches.length) {
          const outcomes = await store.appendBatch(batches[next++]);
          if (outcomes.some((outcome) => outcome.status !== 'created')) {
            throw new Error('appendBatch alone: a report was not created');
          }
          const n = outcomes.length;
          reports += n;
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpuBefore);
    return {
      seconds,
      reports,
      benchCpu: (cpu.user + cpu.system) / 1e6,
      databaseCpu: databaseCpuSeconds(database) - databaseBefore,
      load: readFileSync('/proc/loadavg', 'utf8').split(' ')[0],
    };
  } finally {
    await pool.end();
  }
}

/** Rows a second that two cores doing nothing else would give at this CPU cost per row. */
const twoCoreCeiling = (rows: number, cpuSeconds: number) => (2 * rows) / cpuSeconds;

export async function benchImport(databaseUrl: string): Promise<BenchResult[]> {
  const directory = mkdtempSync(join(tmpdir(), 'cm-import-bench-'));
  let monitor = await startProcess('dist/apps/monitor/src/main.js', {
    DATABASE_URL: databaseUrl,
  });
  try {
    const small = join(directory, 'acled-small.csv');
    const acled = join(directory, 'acled.csv');
    const ucdp = join(directory, 'ucdp-ged.csv');
    await writeFile(small, ACLED_COLUMNS, SMALL_ROWS, (i) => acledRow(i, 'S'));
    await writeFile(acled, ACLED_COLUMNS, ROWS, (i) => acledRow(i, ''));
    await writeFile(ucdp, UCDP_GED_COLUMNS, ROWS, ucdpRow);
    const ingestOnly = join(directory, 'acled-ingest.csv');
    const storeOnly = join(directory, 'acled-store.csv');
    await writeFile(ingestOnly, ACLED_COLUMNS, CEILING_ROWS, (i) => acledRow(i, 'I'));
    await writeFile(storeOnly, ACLED_COLUMNS, CEILING_ROWS, (i) => acledRow(i, 'B'));

    const target = {
      url: monitor.url,
      pid: monitor.child.pid!,
      database: new URL(databaseUrl).pathname.slice(1),
    };
    const smallRun = await runImport('acled', small, SMALL_ROWS, target);
    console.log(`  ${SMALL_ROWS} ACLED rows: ${smallRun.summary}`);
    const acledRun = await runImport('acled', acled, ROWS, target);
    console.log(`  ${ROWS} ACLED rows: ${acledRun.summary}`);
    const again = await runImport('acled', acled, ROWS, target);
    console.log(`  ${ROWS} ACLED rows again: ${again.summary}`);
    const ucdpRun = await runImport('ucdp-ged', ucdp, ROWS, target);
    console.log(`  ${ROWS} UCDP GED rows: ${ucdpRun.summary}`);

    // Ceilings, in the same run and database: the ingest service alone (the monitor's
    // projector and alerter not running), then appendBatch alone (no process but this one).
    await stopProcess(monitor.child);
    monitor = await startProcess('dist/apps/ingest/src/main.js', { DATABASE_URL: databaseUrl });
    const ingestRun = await runImport('acled', ingestOnly, CEILING_ROWS, {
      ...target,
      url: monitor.url,
      pid: monitor.child.pid!,
    });
    console.log(`  ${CEILING_ROWS} ACLED rows into the ingest service alone: ${ingestRun.summary}`);
    await stopProcess(monitor.child);
    const storeRun = await runAppendBatchAlone(storeOnly, databaseUrl);
    console.log(
      `  ${storeRun.reports} reports by appendBatch alone: ${(storeRun.reports / storeRun.seconds).toFixed(0)}/s`,
    );

    const rate = (rows: number, run: ImportRun) => rows / run.seconds;
    const details = (run: ImportRun) =>
      `${run.seconds.toFixed(1)} s wall, process start to exit; CPU: importer ` +
      `${run.importerCpu.toFixed(1)} s (${Math.round(run.rows / Math.max(run.importerCpu, 0.01)).toLocaleString('en-US')} rows per CPU second), ` +
      `monitor ${run.monitorCpu.toFixed(1)} s, PostgreSQL ${run.databaseCpu.toFixed(1)} s ` +
      `(all three: ${Math.round(run.rows / Math.max(run.importerCpu + run.monitorCpu + run.databaseCpu, 0.01)).toLocaleString('en-US')} rows per CPU second), load average ${run.load}; peak RSS ${run.peakRssMb.toFixed(0)} MB; ${run.summary}`;
    const perThousand = (cpu: number, rows: number) => `${((cpu * 1e6) / rows).toFixed(0)} ms`;
    const ingestCpu = ingestRun.importerCpu + ingestRun.monitorCpu + ingestRun.databaseCpu;
    const storeCpu = storeRun.benchCpu + storeRun.databaseCpu;
    return [
      {
        name: `ACLED, ${ROWS.toLocaleString('en-US')} rows (1 report each) into an empty store`,
        unit: 'rows/s',
        value: rate(ROWS, acledRun),
        target: {
          description: `>= ${TARGET_ROWS_PER_SECOND.toLocaleString('en-US')} rows/s`,
          met: rate(ROWS, acledRun) >= TARGET_ROWS_PER_SECOND,
        },
        details: details(acledRun),
      },
      {
        name: 'ACLED, rows per CPU second of importer, monitor and PostgreSQL together',
        unit: 'rows/CPU-s',
        value: ROWS / (acledRun.importerCpu + acledRun.monitorCpu + acledRun.databaseCpu),
        details:
          'independent of other work on the machine: a machine with two cores free for the ' +
          'three could file about twice this many rows per second of wall time',
      },
      {
        name: `ACLED, the same ${ROWS.toLocaleString('en-US')} rows again (all duplicates)`,
        unit: 'rows/s',
        value: rate(ROWS, again),
        details: details(again),
      },
      {
        name: `UCDP GED, ${ROWS.toLocaleString('en-US')} rows (2-3 reports each)`,
        unit: 'rows/s',
        value: rate(ROWS, ucdpRun),
        target: {
          description: `>= ${TARGET_ROWS_PER_SECOND.toLocaleString('en-US')} rows/s`,
          met: rate(ROWS, ucdpRun) >= TARGET_ROWS_PER_SECOND,
        },
        details: details(ucdpRun),
      },
      {
        name: `ACLED, ${CEILING_ROWS.toLocaleString('en-US')} rows into the ingest service alone (no projector, no alerter)`,
        unit: 'rows/s',
        value: rate(CEILING_ROWS, ingestRun),
        details:
          `dist/apps/ingest alone on the same database after the runs above (nothing projects ` +
          `or raises alerts meanwhile). CPU per 1000 rows: importer ` +
          `${perThousand(ingestRun.importerCpu, CEILING_ROWS)}, ingest ${perThousand(ingestRun.monitorCpu, CEILING_ROWS)}, ` +
          `PostgreSQL ${perThousand(ingestRun.databaseCpu, CEILING_ROWS)}: two free cores could take about ` +
          `${Math.round(twoCoreCeiling(CEILING_ROWS, ingestCpu)).toLocaleString('en-US')} rows/s this way. ${details(ingestRun)}`,
      },
      {
        name: `appendBatch alone, the same ${CEILING_ROWS.toLocaleString('en-US')} ACLED reports (the store's ceiling)`,
        unit: 'reports/s',
        value: storeRun.reports / storeRun.seconds,
        target: {
          description: `the import's target: >= ${TARGET_ROWS_PER_SECOND.toLocaleString('en-US')}/s`,
          met: storeRun.reports / storeRun.seconds >= TARGET_ROWS_PER_SECOND,
        },
        details:
          `mapped and validated first (not timed), then PostgresEventStore.appendBatch in ` +
          `batches of 1000, 4 in flight, with the items the ingest service makes (event, ` +
          `metadata, content hash); no HTTP, importer, projector or alerter. ` +
          `${storeRun.seconds.toFixed(1)} s; CPU per 1000 reports: appendBatch's JavaScript ` +
          `${perThousand(storeRun.benchCpu, storeRun.reports)}, PostgreSQL ${perThousand(storeRun.databaseCpu, storeRun.reports)}: ` +
          `two free cores could take about ${Math.round(twoCoreCeiling(storeRun.reports, storeCpu)).toLocaleString('en-US')} reports/s. ` +
          `Load average ${storeRun.load}`,
      },
      {
        name: `Importer peak RSS, ${ROWS.toLocaleString('en-US')} ACLED rows`,
        unit: 'MB',
        value: acledRun.peakRssMb,
        baseline: { name: `${SMALL_ROWS.toLocaleString('en-US')} rows`, value: smallRun.peakRssMb },
        target: {
          description:
            'does not grow with the file: within 1.5x of a 10x smaller one (V8 grows its heap lazily)',
          met: acledRun.peakRssMb <= smallRun.peakRssMb * 1.5,
        },
        details: `${SMALL_ROWS.toLocaleString('en-US')} rows: ${details(smallRun)}`,
      },
    ];
  } finally {
    await stopProcess(monitor.child);
    rmSync(directory, { recursive: true, force: true });
  }
}

/** By hand: DATABASE_URL=<empty migrated db> node dist/bench/import.bench.js */
if (require.main === module) {
  benchImport(process.env.DATABASE_URL!).then(
    (results) => console.log(JSON.stringify(results, null, 2)),
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
