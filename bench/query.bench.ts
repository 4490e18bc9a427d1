import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { PostgresEventStore, type BatchItem } from '@cm/event-store';
import { systemClock } from '@cm/platform';
import { rebuildReadModels } from '@cm/read-models';
import { reportHistory } from '../libs/contracts/src/testing';
import { TheatreDirectory } from '../apps/query/src/read-models/theatre-directory';
import { TheatreOverviews } from '../apps/query/src/read-models/theatre-overviews';
import type { BenchResult } from './bench-result';
import { latencies, latencyResult } from './measure';

const EVENTS = 1_000_000;
const THEATRES = 200;
const APPEND_BATCH = 1000;
const LIVE_CALLS = 2000;
const AS_OF_CALLS = 300;

/**
 * The overview that GET /v1/theatres/{t}/overview answers, live and with asOf, with
 * 1,000,000 events stored: the report history of libs/contracts/src/testing (200 theatres
 * over 365 days of event time, 6% corrections, 4% retractions, 10% late reports) appended with
 * appendBatch, then projected by a rebuild. Calls go through the query service's own classes
 * (TheatreOverviews: the theatre lookup, the read models' overview statement or the asOf fold
 * and the open-alert count), one at a time, over random theatres, after a warm-up; the HTTP
 * layer is left out.
 */
export async function benchQuery(databaseUrl: string): Promise<BenchResult[]> {
  const pool = new Pool({ connectionString: databaseUrl, max: 8 });
  pool.on('error', () => undefined);
  try {
    const loadMs = await appendHistory(pool);
    const rebuild = await rebuildReadModels(pool);
    await pool.query('VACUUM ANALYZE');
    const { rows } = await pool.query<{ first: Date; last: Date }>(
      'SELECT min(recorded_at) AS first, max(recorded_at) AS last FROM events',
    );
    const first = rows[0].first.getTime();
    const last = rows[0].last.getTime();
    const overviews = new TheatreOverviews(pool, systemClock, new TheatreDirectory(pool));
    const theatre = (i: number) => `theatre-${(i * 7919) % THEATRES}`;
    const setup = `${EVENTS.toLocaleString('en-US')} events appended in ${(loadMs / 1000).toFixed(1)} s, projected by a rebuild in ${(rebuild.elapsedMs / 1000).toFixed(1)} s`;

    const live = await latencies(LIVE_CALLS, 200, (i) => overviews.live(theatre(i)));
    const asOfAnyTime = await latencies(AS_OF_CALLS, 20, (i) =>
      overviews.asOf(
        theatre(i),
        new Date(first + (0.05 + 0.95 * ((i * 0.618034) % 1)) * (last - first)),
      ),
    );
    const asOfEnd = await latencies(AS_OF_CALLS, 20, (i) =>
      overviews.asOf(theatre(i), new Date(last + 1)),
    );
    return [
      latencyResult('overview, live', live, 20, `${LIVE_CALLS} calls; ${setup}`),
      latencyResult(
        'overview, asOf at an instant spread over the recorded history',
        asOfAnyTime,
        200,
        `${AS_OF_CALLS} calls at instants from 5% to 100% of the recording time, by the golden ratio (each theatre had reports by then); ~${Math.round((EVENTS / THEATRES) * 0.525)} events folded on average`,
      ),
      latencyResult(
        'overview, asOf after the last event (a whole theatre folded)',
        asOfEnd,
        200,
        `${AS_OF_CALLS} calls; ~${EVENTS / THEATRES} events of the theatre folded per call`,
      ),
    ];
  } finally {
    await pool.end();
  }
}

async function appendHistory(pool: Pool): Promise<number> {
  const store = new PostgresEventStore(pool);
  const started = performance.now();
  let items: BatchItem[] = [];
  for (const event of reportHistory({ seed: 3, events: EVENTS, theatres: THEATRES, days: 365 })) {
    items.push({
      streamId: event.streamId,
      events: [{ type: event.type, data: event.data, metadata: { schemaVersion: 1 } }],
      expectedVersion: 'any',
    });
    if (items.length === APPEND_BATCH) {
      await store.appendBatch(items);
      items = [];
    }
  }
  if (items.length) await store.appendBatch(items);
  return performance.now() - started;
}
