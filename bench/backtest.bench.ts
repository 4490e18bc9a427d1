import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { backtestAsync, parseRuleFiles } from '@cm/escalation';
import type { Rule } from '@cm/escalation';
import { PostgresEventStore } from '@cm/event-store';
import type { BatchItem } from '@cm/event-store';
import { syntheticHistory } from '../libs/escalation/src/testing/synthetic-history';
import { storedHistory } from '../apps/query/src/rules/stored-history';
import { runMigrations } from '../libs/platform/src/database/migrate';
import type { BenchResult } from './bench-result';

const LOAD_BATCH = 1000;
const PAGE_SIZE = 1000;

/**
 * POST /v1/rules/backtest's work without HTTP: `events` synthetic report events over
 * `theatres` theatres and a year of event time (syntheticHistory, as the escalation bench) are
 * appended to the store, then the default rules are backtested over them the way
 * RuleBacktestService does (storedHistory pages of 1000 into backtestAsync): once over every
 * theatre, once for one theatre. RSS is sampled every 50 ms during each run; the figure is the
 * peak minus the RSS before it, the memory the backtest itself took.
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
    const loadMs = await load(store, events, theatres);
    const rules = defaultRules();
    const all = await timed(() => run(store, rules));
    const one = await timed(() => run(store, rules, 'theatre-7'));
    const detail = (result: Timed<number>) =>
      `${result.value} alerts in ${(result.ms / 1000).toFixed(1)} s, RSS peak +${result.rssGrowthMb} MB over ${result.rssBeforeMb} MB`;
    return [
      {
        name: `backtest, default rules, ${events.toLocaleString('en-US')} stored events over ${theatres} theatres`,
        unit: 'events/s',
        value: events / (all.ms / 1000),
        details: `${detail(all)}; loaded at ${Math.round(events / (loadMs / 1000))} events/s`,
      },
      {
        name: 'backtest memory (RSS growth while running)',
        unit: 'MB',
        value: all.rssGrowthMb,
        details: 'one page of events and the engine’s bounded per-theatre state, never the history',
      },
      {
        name: `backtest of one theatre (theatre=), same store`,
        unit: 'events read/s',
        value: events / (one.ms / 1000),
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
  for (const event of syntheticHistory({ seed: 1, events, theatres, days: 365 })) {
    const data = event.data as { reportId: string };
    batch.push({
      streamId: `report-${data.reportId}`,
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

async function run(store: PostgresEventStore, rules: Rule[], theatre?: string): Promise<number> {
  const throughPosition = await store.headPosition();
  const alerts = await backtestAsync(
    rules,
    storedHistory(store, { throughPosition, pageSize: PAGE_SIZE }),
    { theatre },
  );
  return alerts.length;
}

interface Timed<T> {
  value: T;
  ms: number;
  rssBeforeMb: number;
  rssGrowthMb: number;
}

async function timed<T>(work: () => Promise<T>): Promise<Timed<T>> {
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  const started = performance.now();
  try {
    const value = await work();
    return {
      value,
      ms: performance.now() - started,
      rssBeforeMb: Math.round(before / 1e6),
      rssGrowthMb: Math.round((Math.max(peak, process.memoryUsage.rss()) - before) / 1e6),
    };
  } finally {
    clearInterval(sampler);
  }
}

function defaultRules(): Rule[] {
  const rulesDir = join(__dirname, '../infra/rules');
  const parsed = parseRuleFiles(
    readdirSync(rulesDir)
      .filter((name) => name.endsWith('.yaml'))
      .map((name) => ({ name, content: readFileSync(join(rulesDir, name), 'utf8') })),
  );
  if (!parsed.ok) throw new Error(`rules: ${JSON.stringify(parsed.errors)}`);
  return parsed.rules;
}

/** By hand: DATABASE_URL=<an empty database> node dist/bench/backtest.bench.js [events] */
if (require.main === module) {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL: an empty database to fill');
  const [events, theatres] = process.argv.slice(2).map(Number);
  void runMigrations(url)
    .then(() =>
      benchBacktest(url, { events: events || undefined, theatres: theatres || undefined }),
    )
    .then((results) => console.log(JSON.stringify(results, null, 2)));
}
