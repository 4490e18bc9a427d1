import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

/**
 * What the ingest -> alert latency benches share (bench/alerts.bench.ts on SSE,
 * bench/kafka-alerts.bench.ts on conflict.alerts.v1): the built apps in processes of their own,
 * and the load: single reports over HTTP at a steady rate (withdrawals and one-sided ceasefire
 * violations over 200 theatres, which the rules read but which raise nothing) with, every 100 ms
 * in their place, a probe that raises a new `foreign-reinforcement` alert in a theatre of its
 * own (theatre and reportId `probe-<n>`). The caller's observer says when it saw each probe's
 * alert; the latency runs from just before the probe's POST to that moment.
 */

export const root = resolve(__dirname, '..', '..');

export function benchReport(
  reportId: string,
  theatre: string,
  kind: 'background' | 'violation' | 'probe',
) {
  const now = Date.now();
  const base = {
    reportId,
    theatre,
    occurredAt: new Date(now - 60_000).toISOString(),
    reportedAt: new Date(now - 1000).toISOString(),
    source: { name: 'Bench desk', kind: 'osint', reliability: 'C', credibility: 3 },
  };
  if (kind === 'violation') {
    return {
      ...base,
      type: 'ceasefire_violation',
      details: {
        ceasefire: 'bench-truce',
        accusedParty: 'RU',
        accusingParty: 'UA',
        means: 'drone',
      },
    };
  }
  return {
    ...base,
    type: 'deployment',
    details:
      kind === 'probe'
        ? { actor: 'KP', supporting: 'RU', movement: 'arrival', personnel: { best: 3000 } }
        : { actor: 'UA', movement: 'withdrawal', personnel: { best: 200 } },
  };
}

/**
 * Starts `node <entry> ...args` (a path under the repository root) and resolves once it prints
 * a line matching `ready` (by default an app's "serving http://..."), with the first group.
 */
export function startProcess(
  entry: string,
  env: NodeJS.ProcessEnv,
  ready: RegExp = /serving (http:\/\/[^\s]+)/,
  args: readonly string[] = [],
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(root, entry), ...args], {
    cwd: root,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', API_KEYS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolveStart, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) resolveStart({ child, url: match[1] });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${entry} exited (${code}): ${output}`)));
  });
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.removeAllListeners('exit');
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
}

/** A probe filed during the measured run. */
export interface Probe {
  reportId: string;
  /** Just before its POST was written (performance.now()). */
  postedAt: number;
  /** The same instant as Date.now(), to compare with instants other processes recorded. */
  postedAtEpochMs: number;
  /** When the observer saw its alert (performance.now()); undefined if it never did. */
  seenAt?: number;
}

export interface ProbedLoadOutcome {
  seconds: number;
  /** Reports filed a second over the measured run (probes included). */
  achieved: number;
  maxInFlight: number;
  /** POSTs that did not answer 201. */
  failures: number;
  /** The measured run's probes, in the order filed. */
  probes: Probe[];
  /** Latencies of the probes seen, in ms, ascending. */
  latencies: number[];
  /** Probes whose alert was not seen within 30 s of the run's end. */
  missing: number;
}

/**
 * Files the load against the app at `url` (POST /v1/reports): `warmupSeconds` at `rate`, then
 * `seconds` measured at `rate`, then waits up to 30 s for the last probes' alerts. `observe`
 * is started first and resolves once it follows the alerts; it calls `seen(reportId)` with the
 * reportId of each alert's first evidence (any other alert is ignored).
 */
export async function runProbedLoad(
  url: string,
  options: {
    seconds: number;
    rate: number;
    warmupSeconds?: number;
    observe: (seen: (reportId: string) => void) => Promise<void>;
  },
): Promise<ProbedLoadOutcome> {
  const { seconds, rate, warmupSeconds = 3 } = options;
  const pending = new Map<string, Probe>();
  const probes: Probe[] = [];
  await options.observe((reportId) => {
    const probe = pending.get(reportId);
    if (!probe) return;
    probe.seenAt = performance.now();
    pending.delete(reportId);
  });

  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let failures = 0;
  let inFlight = 0;
  const post = async (body: object): Promise<void> => {
    inFlight++;
    try {
      const status = await new Promise<number>((done, fail) => {
        const outgoing = request(
          `${url}/v1/reports`,
          { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
          (response) => {
            response.resume();
            response.once('end', () => done(response.statusCode ?? 0));
          },
        );
        outgoing.once('error', fail);
        outgoing.end(JSON.stringify(body));
      });
      if (status !== 201) failures++;
    } catch {
      failures++;
    } finally {
      inFlight--;
    }
  };

  let sent = 0;
  let probeCount = 0;
  const run = async (durationS: number, measure: boolean): Promise<number> => {
    const started = performance.now();
    const first = sent;
    let maxInFlight = 0;
    while (performance.now() - started < durationS * 1000) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate) - (sent - first);
      for (let i = 0; i < due; i++) {
        const index = sent++;
        if (index % (rate / 10) === 0) {
          const reportId = `probe-${probeCount}`;
          const body = benchReport(reportId, `probe-${probeCount++}`, 'probe');
          if (measure) {
            const probe: Probe = {
              reportId,
              postedAt: performance.now(),
              postedAtEpochMs: Date.now(),
            };
            probes.push(probe);
            pending.set(reportId, probe);
          }
          void post(body);
        } else {
          const theatre = `bench-${index % 200}`;
          void post(
            benchReport(`bg-${index}`, theatre, index % 10 === 1 ? 'violation' : 'background'),
          );
        }
      }
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((done) => setTimeout(done, 5));
    }
    return maxInFlight;
  };
  try {
    await run(warmupSeconds, false);
    const filedBefore = sent;
    const startedAt = performance.now();
    const maxInFlight = await run(seconds, true);
    const achieved = (sent - filedBefore) / ((performance.now() - startedAt) / 1000);
    // Let the last probes arrive.
    const deadline = performance.now() + 30_000;
    while (pending.size > 0 && performance.now() < deadline) {
      await new Promise((done) => setTimeout(done, 50));
    }
    const latencies = probes
      .filter((probe) => probe.seenAt !== undefined)
      .map((probe) => probe.seenAt! - probe.postedAt)
      .sort((a, b) => a - b);
    return {
      seconds,
      achieved,
      maxInFlight,
      failures,
      probes,
      latencies,
      missing: pending.size,
    };
  } finally {
    agent.destroy();
  }
}

/** The value at quantile `q` of ascending `sorted` (NaN when empty). */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** The upper bound of the bucket holding the 99th percentile of a Prometheus histogram. */
export function histogramP99(metrics: string, name: string, filter = ''): string {
  const buckets = new Map<string, number>();
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}_bucket{`) || !line.includes(filter)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le) buckets.set(le, (buckets.get(le) ?? 0) + Number(line.split(' ').pop()));
  }
  const total = buckets.get('+Inf') ?? 0;
  for (const [le, count] of buckets) if (count >= total * 0.99) return le;
  return '?';
}
