import { performance } from 'node:perf_hooks';

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
