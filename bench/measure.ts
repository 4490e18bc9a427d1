import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { BenchResult } from './bench-result';

/**
 * Runs `writers` loops of `work` until `durationMs` has passed and returns the rate of
 * units (e.g. events) per second. Work started before the deadline is counted, and so is
 * the time it takes to finish.
 */
export async function measureRate(
  writers: number,
  durationMs: number,
  work: (writer: number, iteration: number) => Promise<number>,
): Promise<number> {
  const started = performance.now();
  const deadline = started + durationMs;
  let units = 0;
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      for (let iteration = 0; performance.now() < deadline; iteration++) {
        // Not `units += await ...`: that reads `units` before awaiting and loses the other
        // writers' counts.
        const done = await work(writer, iteration);
        units += done;
      }
    }),
  );
  return units / ((performance.now() - started) / 1000);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Calls `call` `warmUp` times unmeasured, then `calls` times one after another; returns the
 * milliseconds each measured call took, sorted.
 */
export async function latencies(
  calls: number,
  warmUp: number,
  call: (i: number) => Promise<unknown>,
): Promise<number[]> {
  for (let i = 0; i < warmUp; i++) await call(calls + i);
  const measured: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await call(i);
    measured.push(performance.now() - started);
  }
  return measured.sort((a, b) => a - b);
}

/** A p99 latency figure from `sorted` (milliseconds, as latencies() returns them). */
export function latencyResult(
  name: string,
  sorted: number[],
  targetMs: number,
  details: string,
): BenchResult {
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const p99 = at(0.99);
  return {
    name: `${name}, p99`,
    unit: 'ms',
    value: p99,
    target: { description: `p99 < ${targetMs} ms`, met: p99 < targetMs },
    details: `${details}; p50 ${at(0.5).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms`,
  };
}

/** V8's full garbage collection, for heap figures that hold only what is still reachable. */
export function fullGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
