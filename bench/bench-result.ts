/** One named row of a benchmark's output; `npm run bench` tabulates them. */
export interface BenchResult {
  /** What was measured, e.g. "append 1 event, 16 writers". */
  name: string;
  /** The unit of `value`, e.g. "events/s". */
  unit: string;
  /** Ours, the median over the measured rounds. */
  value: number;
  /** What ours is compared with in the same run, on the same database. */
  baseline?: { name: string; value: number };
  /** The team's target, e.g. ">= 1.5x Emmett"; `met` says whether this run reached it. */
  target?: { description: string; met: boolean };
  /** How it was run (concurrency, rounds, the individual rounds' values). */
  details?: string;
}

/**
 * A benchmark: given a fresh, migrated database, returns its rows. Listed in bench/run.ts;
 * `npm run bench -- <key>` runs it alone and replaces only its section of the report.
 */
export interface Bench {
  /** Short, stable id for the command line and docs/benchmarks.json, e.g. "rebuild". */
  key: string;
  /** The section's heading in docs/BENCHMARKS.md. */
  name: string;
  /** What is measured and how, for the report. */
  description: string;
  run(databaseUrl: string): Promise<BenchResult[]>;
}
