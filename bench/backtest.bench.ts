import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { PostgresEventStore } from '@cm/event-store';
import type { BatchItem } from '@cm/event-store';
import { reportHistory } from '../libs/contracts/src/testing';
import { RuleBacktestService } from '../apps/query/src/rules/rule-backtest.service';
import { runMigrations } from '../libs/platform/src/database/migrate';
import type { BenchResult } from './bench-result';
import { defaultRules } from './default-rules';
import { fullGc } from './measure';

const LOAD_BATCH = 1000;

/**
 * POST /v1/rules/backtest's work without HTTP: `events` synthetic report events over
 * `theatres` theatres and a year of event time (the report history of
 * libs/contracts/src/testing, as the escalation bench) are appended to the store (unless it
 * holds events already), then RuleBacktestService runs the default rules over them: once over
 * every theatre (storedHistory pages into backtestAsync), once for one theatre (the theatre
 * cursor). RSS is sampled every 50 ms during each run (peak minus the RSS before it: what the
 * process grew by, garbage V8 had not collected yet included); the heap after a full
 * collection, with the answer still held, is what the run retains.
 */
export async function benchBacktest(
  databaseUrl: string,
  options: { events?: number; theatres?: number } = {},
): Promise<BenchResult[]> {
  const events = options.events ?? 1_000_000;
  const theatres = options.theatres ?? 200;
  const pool = new Pool({ connectionString: databaseUrl, max: 4 });
  try {
    const store = new PostgresEventStore(pool);
    const stored = await store.headPosition();
    const loadMs = stored === 0 ? await load(store, events, theatres) : undefined;
    const service = new RuleBacktestService(store, pool, {
      dir: 'infra/rules',
      rules: defaultRules(),
    });
    const all = await timed(async () => (await service.run({})).items);
    const one = await timed(async () => (await service.run({ theatre: 'theatre-7' })).items);
    const count = stored || events;
    const detail = (result: Timed<number>) =>
      `${result.value} alerts in ${(result.ms / 1000).toFixed(1)} s; RSS peak +${result.rssGrowthMb} MB ` +
      `over ${result.rssBeforeMb} MB; heap after a full GC with the answer held ${result.heapAfterGcMb} MB (${result.heapBeforeMb} MB before)`;
    return [
      {
        name: `backtest, default rules, ${count.toLocaleString('en-US')} stored events over ${theatres} theatres`,
        unit: 'events/s',
        value: count / (all.ms / 1000),
        details:
          detail(all) +
          (loadMs ? `; loaded at ${Math.round(events / (loadMs / 1000))} events/s` : ''),
      },
      {
        name: 'backtest memory retained (heap growth after a full GC, answer held)',
        unit: 'MB',
        value: all.heapAfterGcMb - all.heapBeforeMb,
        details:
          'a page of events, the engine’s per-theatre state and the alerts found; never the history',
      },
      {
        name: `backtest of one theatre (theatre=), same store`,
        unit: 'ms',
        value: one.ms,
        details: detail(one),
      },
    ];
  } finally {
    await pool.end();
  }
}

async function load(store: PostgresEventStore, events: number, theatres: number): Promise<number> {
  const started = performance.now();
  let batch: BatchItem[] = [];
  for (const event of reportHistory({ seed: 1, events, theatres, days: 365 })) {
    batch.push({
      streamId: event.streamId,
      expectedVersion: 'any',
      events: [{ type: event.type, data: event.data }],
    });
    if (batch.length === LOAD_BATCH) {
      await store.appendBatch(batch);
      batch = [];
    }
  }
  if (batch.length) await store.appendBatch(batch);
  return performance.now() - started;
}

interface Timed<T> {
  value: T;
  ms: number;
  rssBeforeMb: number;
  rssGrowthMb: number;
  heapAfterGcMb: number;
  heapBeforeMb: number;
}

async function timed<T>(work: () => Promise<T[]>): Promise<Timed<number>> {
  const gc = fullGc();
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  const started = performance.now();
  try {
    const answer = await work();
    const ms = performance.now() - started;
    const rssGrowthMb = Math.round((Math.max(peak, process.memoryUsage.rss()) - before) / 1e6);
    gc();
    const heapAfterGcMb = Math.round(process.memoryUsage().heapUsed / 1e6);
    const heapBeforeMb = Math.round(heapBefore / 1e6);
    return {
      value: answer.length,
      ms,
      rssBeforeMb: Math.round(before / 1e6),
      rssGrowthMb,
      heapAfterGcMb,
      heapBeforeMb,
    };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * By hand: DATABASE_URL=<a database> node dist/bench/backtest.bench.js [events]; an empty one
 * is filled first, one that holds events is backtested as it is.
 */
if (require.main === module) {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL: a database to fill, or one already filled');
  const [events, theatres] = process.argv.slice(2).map(Number);
  void runMigrations(url)
    .then(() =>
      benchBacktest(url, { events: events || undefined, theatres: theatres || undefined }),
    )
    .then((results) => console.log(JSON.stringify(results, null, 2)));
}
