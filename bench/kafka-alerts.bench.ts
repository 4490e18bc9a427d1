import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel } from 'kafkajs';
import type { Consumer } from 'kafkajs';
import { Client, Pool } from 'pg';
import { runMigrations } from '../libs/platform/src/database/migrate';
import { TOPICS } from '@cm/contracts';
import {
  histogramP99,
  quantile,
  runProbedLoad,
  startProcess,
  stopProcess,
  type Probe,
} from './alert-probes';
import type { BenchResult } from './bench-result';
import type { TimedAppend } from './kafka-test-broker-process';

/**
 * Ingest to alert on Kafka at 1,000 reports/s for 60 s, p99 < 150 ms (ARCHITECTURE.md said 250;
 * issue 15 tightened it), over
 * the Kafka TEST broker (test/support/kafka-broker: in memory, TypeScript; no Kafka on this
 * machine), in a process of its own (bench/kafka-test-broker-process.ts). Two rows, each on an
 * empty store and a new broker: the built monitor with KAFKA_BROKERS set (the distributed mode
 * in one process: the relay of stored events to conflict.reports.v1, consumer groups
 * `projector` and `alerter`, the alert relay to conflict.alerts.v1), then ingest, projector,
 * alerter and query as processes of their own. The bench files the load of
 * bench/alert-probes.ts (as bench/alerts.bench.ts) and runs a kafkajs consumer of its own group
 * from the end of conflict.alerts.v1: each probe is timed from just before its POST to its
 * `alert.raised` message arriving.
 *
 * Where the time goes, per probe, from instants recorded on the way (see stagesOf): stored
 * (events.recorded_at), appended to conflict.reports.v1 (the broker's own note of each batch
 * it stored), the alerter's transaction (alert_changes.recorded_at), the alert relay's send
 * (the alert message's timestamp), appended to conflict.alerts.v1, received by the bench; and
 * the CPU each process used over the run.
 *
 * By hand: DATABASE_URL=<empty, migrated db> node dist/bench/kafka-alerts.bench.js [monitor|apart]
 * (`apart`: ingest, projector, alerter and query as processes of their own instead of the
 * monitor; BENCH_KAFKA_SECONDS changes the length).
 */
export async function benchKafkaAlerts(databaseUrl: string): Promise<BenchResult[]> {
  const together = await measureKafkaLatency(databaseUrl, 'monitor');
  // Each layout on an empty store, as bench/run.ts gives every bench: a database of its own.
  const apart = await withFreshDatabase(databaseUrl, (url) => measureKafkaLatency(url, 'apart'));
  return [together, apart];
}

/** Runs `work` on a new, migrated database on the server of `databaseUrl`, dropped after. */
async function withFreshDatabase<T>(databaseUrl: string, work: (url: string) => Promise<T>) {
  const url = new URL(databaseUrl);
  const name = `${url.pathname.slice(1)}_2`;
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
    url.pathname = `/${name}`;
    try {
      await runMigrations(url.toString());
      return await work(url.toString());
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

/** Which processes run the services: the monitor alone, or ingest, projector, alerter, query. */
export type Topology = 'monitor' | 'apart';

const APPS: Record<Topology, string[]> = {
  monitor: ['monitor'],
  // Ingest first: it answers the POSTs (its process also runs the relay to conflict.reports.v1).
  apart: ['ingest', 'projector', 'alerter', 'query'],
};

export async function measureKafkaLatency(
  databaseUrl: string,
  topology: Topology = 'monitor',
  seconds = Number(process.env.BENCH_KAFKA_SECONDS ?? 60),
  rate = 1000,
): Promise<BenchResult> {
  const scratch = mkdtempSync(join(tmpdir(), 'bench-kafka-'));
  const appendsFile = join(scratch, 'appends.json');
  const broker = await startProcess(
    'dist/bench/kafka-test-broker-process.js',
    {},
    /kafka-test-broker listening on (\S+)/,
    ['--appends', appendsFile],
  );
  let brokerOutput = '';
  broker.child.stdout!.on('data', (chunk: Buffer) => (brokerOutput += chunk.toString()));
  broker.child.stderr!.on('data', (chunk: Buffer) => (brokerOutput += chunk.toString()));
  const apps: { name: string; child: ChildProcess; url: string }[] = [];
  let consumer: Consumer | undefined;
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  pool.on('error', () => undefined);
  try {
    // One at a time: each creates the topics it finds missing at start-up.
    for (const name of APPS[topology]) {
      const started = await startProcess(`dist/apps/${name}/src/main.js`, {
        DATABASE_URL: databaseUrl,
        KAFKA_BROKERS: broker.url,
      });
      apps.push({ name, ...started });
    }
    const url = apps[0].url;
    const kafka = new Kafka({
      clientId: 'bench-kafka-alerts',
      brokers: [broker.url],
      logLevel: logLevel.NOTHING,
    });
    const bench = kafka.consumer({ groupId: `bench-kafka-alerts-${Date.now()}` });
    consumer = bench;
    /** Each probe's alert.raised message: where it is and when the alert relay sent it. */
    const alertMessages = new Map<string, Placed & { sentAt: number }>();

    const pids = new Map([
      ...apps.map(({ name, child }) => [name, child.pid!] as const),
      ['broker', broker.child.pid!],
    ]);
    const cpuBefore = cpuSnapshot(pids);
    const outcome = await runProbedLoad(url, {
      seconds,
      rate,
      observe: async (seen) => {
        const joined = new Promise<void>((done) => bench.on(bench.events.GROUP_JOIN, () => done()));
        await bench.connect();
        await bench.subscribe({ topics: [TOPICS.alerts], fromBeginning: false });
        await bench.run({
          partitionsConsumedConcurrently: 6,
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) {
              if (String(message.headers?.['event-type']) !== 'alert.raised') continue;
              const alert = JSON.parse(String(message.value)) as {
                evidence: { reportId: string }[];
              };
              const reportId = alert.evidence[0]?.reportId;
              if (reportId === undefined) continue;
              seen(reportId);
              alertMessages.set(reportId, {
                partition: batch.partition,
                offset: Number(message.offset),
                sentAt: Number(message.timestamp),
              });
            }
          },
        });
        await joined;
      },
    });
    const cpu = cpuUse(cpuBefore, cpuSnapshot(pids));
    await bench.disconnect();
    consumer = undefined;
    const { latencies: sorted, achieved, maxInFlight, failures, missing } = outcome;

    const metrics = (
      await Promise.all(apps.map(async (app) => (await fetch(`${app.url}/metrics`)).text()))
    ).join('\n');
    const histograms =
      `stored -> handled by the alerter p99 <= ${histogramP99(metrics, 'cm_alerter_delay_seconds')} s, ` +
      `POST /v1/reports p99 <= ${histogramP99(metrics, 'http_request_duration_seconds', 'route="/v1/reports"')} s`;
    // After the load, so that reading conflict.reports.v1 takes nothing from the measurement.
    const reportMessages = await probeReportMessages(kafka, outcome.probes);
    broker.child.kill('SIGUSR2');
    const deadline = performance.now() + 10_000;
    while (!brokerOutput.includes('appends written') && performance.now() < deadline) {
      await new Promise((done) => setTimeout(done, 20));
    }
    const appends = JSON.parse(readFileSync(appendsFile, 'utf8')) as TimedAppend[];
    const stages = await stagesOf(pool, outcome.probes, {
      reportMessages,
      alertMessages,
      appendedAt: appendTimes(appends),
    });
    const at = (q: number) => quantile(sorted, q);
    const p99 = at(0.99);
    const ms = (value: number) => `${value.toFixed(0)} ms`;
    return {
      name:
        `ingest -> alert on Kafka (test broker), 1,000 reports/s for 60 s, ` +
        (topology === 'monitor'
          ? 'monitor in one process'
          : 'ingest, projector, alerter, query apart'),
      unit: 'ms p99',
      value: Math.round(p99),
      target: {
        description: 'p99 < 150 ms',
        met: p99 < 150 && missing === 0 && failures === 0,
      },
      details:
        `${seconds} s at ${Math.round(achieved)} reports/s filed (single POSTs, up to ${maxInFlight} in flight); ` +
        `${sorted.length} probe alerts timed on ${TOPICS.alerts}, p50 ${ms(at(0.5))}, ` +
        `p95 ${ms(at(0.95))}, p99 ${ms(p99)}, max ${ms(sorted[sorted.length - 1] ?? NaN)}; ` +
        `${missing} probes never seen; ${failures} failed POSTs. ` +
        `Stages, p50 / p99: ${stages}. ${histograms} (histogram buckets). ` +
        `CPU over the run (warm-up included), in cores: ${cpu}`,
    };
  } finally {
    await consumer?.disconnect().catch(() => undefined);
    for (const app of apps.reverse()) await stopProcess(app.child);
    await stopProcess(broker.child);
    await pool.end();
    rmSync(scratch, { recursive: true, force: true });
    const errors = /stopped, (\d+) errors/.exec(brokerOutput)?.[1];
    if (errors !== '0') console.warn(`kafka-test-broker: ${brokerOutput.trim()}`);
  }
}

/** Where a message is in its topic. */
interface Placed {
  partition: number;
  offset: number;
}

/**
 * Where the relay put each probe's event on conflict.reports.v1: the topic read from the
 * beginning up to its end as it is now, by a consumer group of its own.
 */
async function probeReportMessages(
  kafka: Kafka,
  probes: readonly Probe[],
): Promise<Map<string, Placed>> {
  const wanted = new Set(probes.map((probe) => probe.reportId));
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map(
    (await admin.fetchTopicOffsets(TOPICS.reports)).map((p) => [p.partition, Number(p.high)]),
  );
  await admin.disconnect();
  const placed = new Map<string, Placed>();
  const reader = kafka.consumer({ groupId: `bench-kafka-reports-${Date.now()}` });
  await reader.connect();
  await reader.subscribe({ topics: [TOPICS.reports], fromBeginning: true });
  const remaining = new Set([...ends].filter(([, end]) => end > 0).map(([partition]) => partition));
  const done = new Promise<void>((resolveDone) => {
    if (remaining.size === 0) resolveDone();
    void reader.run({
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          if (!String(message.key).startsWith('probe-')) continue;
          const { data } = JSON.parse(String(message.value)) as { data: { reportId: string } };
          if (wanted.has(data.reportId)) {
            placed.set(data.reportId, {
              partition: batch.partition,
              offset: Number(message.offset),
            });
          }
        }
        if (Number(batch.lastOffset()) + 1 >= ends.get(batch.partition)!) {
          remaining.delete(batch.partition);
          if (remaining.size === 0) resolveDone();
        }
      },
    });
  });
  const timeout = new Promise<void>((resolveTimeout) => setTimeout(resolveTimeout, 60_000));
  await Promise.race([done, timeout]);
  await reader.disconnect();
  return placed;
}

/** When the broker stored the batch holding a message (undefined if it did not note it). */
function appendTimes(
  appends: readonly TimedAppend[],
): (topic: string, at: Placed) => number | undefined {
  const byPartition = new Map<string, TimedAppend[]>();
  for (const append of appends) {
    const key = `${append.topic}/${append.partition}`;
    byPartition.set(key, [...(byPartition.get(key) ?? []), append]);
  }
  return (topic, { partition, offset }) =>
    byPartition
      .get(`${topic}/${partition}`)
      ?.find((append) => append.baseOffset <= offset && offset <= append.lastOffset)?.at;
}

/**
 * p50 / p99 of each leg of the probes' path, from instants recorded on the way (different
 * clocks of one machine, at ms resolution):
 * - POST -> stored: HTTP, validation, the append (events.recorded_at: clock_timestamp()).
 * - -> on conflict.reports.v1: the relay woken by NOTIFY, its read, its send (the broker's note
 *   of the batch it stored).
 * - -> alerter tx began: the alerter's fetch and decoding (alert_changes.recorded_at: now() of
 *   the alerter's transaction).
 * - -> alert relay sent: rules, the alert's writes and commit, NOTIFY, the alert relay's read
 *   (the alert message's timestamp, set by its producer).
 * - -> on conflict.alerts.v1: the send (the broker's note).
 * - -> received: the bench consumer's fetch and its event loop.
 */
async function stagesOf(
  pool: Pool,
  probes: readonly Probe[],
  on: {
    reportMessages: ReadonlyMap<string, Placed>;
    alertMessages: ReadonlyMap<string, Placed & { sentAt: number }>;
    appendedAt: (topic: string, at: Placed) => number | undefined;
  },
): Promise<string> {
  const { rows } = await pool.query<{ report_id: string; stored: number; journaled: number }>(
    `SELECT e.data->>'reportId' AS report_id,
            extract(epoch FROM e.recorded_at)::float8 * 1000 AS stored,
            extract(epoch FROM c.recorded_at)::float8 * 1000 AS journaled
     FROM events e
     JOIN alert_changes c ON c.theatre = e.data->>'theatre' AND c.change = 'raised'
     WHERE e.data->>'reportId' = ANY($1)`,
    [probes.map((probe) => probe.reportId)],
  );
  const byId = new Map(rows.map((row) => [row.report_id, row]));
  const legs = new Map<string, number[]>();
  for (const probe of probes) {
    const row = byId.get(probe.reportId);
    const report = on.reportMessages.get(probe.reportId);
    const alert = on.alertMessages.get(probe.reportId);
    const onReports = report && on.appendedAt(TOPICS.reports, report);
    const onAlerts = alert && on.appendedAt(TOPICS.alerts, alert);
    if (!row || !alert || onReports === undefined || onAlerts === undefined) continue;
    if (probe.seenAt === undefined) continue;
    const instants: [string, number][] = [
      ['POST', probe.postedAtEpochMs],
      ['stored', row.stored],
      ['on conflict.reports.v1', onReports],
      ['alerter tx began', row.journaled],
      ['alert relay sent', alert.sentAt],
      ['on conflict.alerts.v1', onAlerts],
      ['received', probe.postedAtEpochMs + (probe.seenAt - probe.postedAt)],
    ];
    for (let i = 1; i < instants.length; i++) {
      const leg = `${i === 1 ? `${instants[0][0]} ` : ''}-> ${instants[i][0]}`;
      legs.set(leg, [...(legs.get(leg) ?? []), instants[i][1] - instants[i - 1][1]]);
    }
  }
  const counted = legs.get('POST -> stored')?.length ?? 0;
  const summary = [...legs]
    .map(([leg, values]) => {
      const sorted = values.sort((a, b) => a - b);
      return `${leg} ${quantile(sorted, 0.5).toFixed(0)} / ${quantile(sorted, 0.99).toFixed(0)} ms`;
    })
    .join(', ');
  return `(${counted} probes) ${summary}`;
}

interface CpuSnapshot {
  at: number;
  /** CPU seconds by name: the apps, the broker, the bench, postgres, the machine. */
  used: Map<string, number>;
}

/**
 * CPU seconds used so far by each process of `pids`, the bench, the bench's other descendants
 * (the embedded PostgreSQL's processes; none with DATABASE_URL) and every CPU of the machine
 * (its other work included), from /proc.
 */
function cpuSnapshot(pids: ReadonlyMap<string, number>): CpuSnapshot {
  const usage = process.cpuUsage();
  const parents = new Map<number, number>();
  const seconds = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may hold spaces: ppid is
      // field 4 of proc(5), utime and stime 14 and 15, in clock ticks (100 a second).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
      seconds.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // The process ended while listed.
    }
  }
  const ours = new Set(pids.values());
  let postgres = 0;
  for (const [pid, used] of seconds) {
    if (ours.has(pid)) continue;
    let ancestor = parents.get(pid);
    while (ancestor !== undefined && ancestor > 1 && ancestor !== process.pid) {
      ancestor = ours.has(ancestor) ? 0 : parents.get(ancestor);
    }
    if (ancestor === process.pid) postgres += used;
  }
  const [, ...times] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const ticks = times.map(Number);
  // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
  const busy = ticks.slice(0, 8).reduce((sum, value) => sum + value, 0) - ticks[3] - ticks[4];
  const used = new Map<string, number>();
  for (const [name, pid] of pids) used.set(name, seconds.get(pid) ?? NaN);
  used.set('bench', (usage.user + usage.system) / 1e6);
  used.set('PostgreSQL', postgres);
  used.set('machine', busy / 100);
  return { at: performance.now(), used };
}

function cpuUse(before: CpuSnapshot, after: CpuSnapshot): string {
  const wall = (after.at - before.at) / 1000;
  const cores = (name: string) =>
    ((after.used.get(name)! - before.used.get(name)!) / wall).toFixed(2);
  const processes = [...after.used.keys()].filter((name) => name !== 'machine');
  return (
    `${processes.map((name) => `${name} ${cores(name)}`).join(', ')}; ` +
    `the whole machine ${cores('machine')} of ${cpus().length}`
  );
}

if (require.main === module) {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL: an empty, migrated database');
  const topology = (process.argv[2] ?? 'monitor') as Topology;
  if (!(topology in APPS)) throw new Error('usage: kafka-alerts.bench.js [monitor|apart]');
  void (async () => {
    console.log(JSON.stringify([await measureKafkaLatency(url, topology)], null, 2));
  })();
}
