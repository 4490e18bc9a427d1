import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { ACLED_COLUMNS } from '../scripts/import/acled.mapper';
import { UCDP_GED_COLUMNS } from '../scripts/import/ucdp-ged.mapper';
import { root, startProcess, stopProcess } from './alert-probes';
import type { BenchResult } from './bench-result';

const ROWS = 200_000;
const SMALL_ROWS = 20_000;
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
function acledRow(index: number, prefix: string): string {
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
function ucdpRow(index: number): string {
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

async function writeFile(
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
  const backend = processes.find(
    (process) => process.title.startsWith('postgres: ') && process.title.includes(` ${database} `),
  );
  if (!backend) return 0;
  const postmaster = backend.ppid;
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
    [join(root, 'dist/scripts/import/run-import.js'), format, file],
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

export async function benchImport(databaseUrl: string): Promise<BenchResult[]> {
  const directory = mkdtempSync(join(tmpdir(), 'cm-import-bench-'));
  const monitor = await startProcess('dist/apps/monitor/src/main.js', {
    DATABASE_URL: databaseUrl,
  });
  try {
    const small = join(directory, 'acled-small.csv');
    const acled = join(directory, 'acled.csv');
    const ucdp = join(directory, 'ucdp-ged.csv');
    await writeFile(small, ACLED_COLUMNS, SMALL_ROWS, (i) => acledRow(i, 'S'));
    await writeFile(acled, ACLED_COLUMNS, ROWS, (i) => acledRow(i, ''));
    await writeFile(ucdp, UCDP_GED_COLUMNS, ROWS, ucdpRow);

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

    const rate = (rows: number, run: ImportRun) => rows / run.seconds;
    const details = (run: ImportRun) =>
      `${run.seconds.toFixed(1)} s wall, process start to exit; CPU: importer ` +
      `${run.importerCpu.toFixed(1)} s (${Math.round(run.rows / Math.max(run.importerCpu, 0.01)).toLocaleString('en-US')} rows per CPU second), ` +
      `monitor ${run.monitorCpu.toFixed(1)} s, PostgreSQL ${run.databaseCpu.toFixed(1)} s ` +
      `(all three: ${Math.round(run.rows / Math.max(run.importerCpu + run.monitorCpu + run.databaseCpu, 0.01)).toLocaleString('en-US')} rows per CPU second), load average ${run.load}; peak RSS ${run.peakRssMb.toFixed(0)} MB; ${run.summary}`;
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
