import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { Pool } from 'pg';
import { appendNotifierFor, PostgresEventStore, type NewEvent } from '@cm/event-store';
import type { BenchResult } from './bench-result';
import { measureRate, median } from './measure';

/** Both stores get the same pool size, writers, payload, database, warm-up and rounds. */
const POOL_SIZE = 16;
const SINGLE_WRITERS = 16;
const BATCH_WRITERS = 2;
const BATCH_SIZE = 1000;
const EVENTS_PER_STREAM = 10;
const ROUNDS = 3;
const ROUND_MS = 5_000;
const WARMUP_MS = 2_000;
const TARGET_RATIO = 1.5;

/** A deployment report, as ingest stores it: about 500 bytes of JSON. */
export const REPORT_PAYLOAD = {
  reportId: 'bench-report-0000000001',
  type: 'deployment',
  theatre: 'russia-ukraine',
  occurredAt: '2025-03-01T06:00:00.000Z',
  reportedAt: '2025-03-01T09:30:00.000Z',
  source: {
    name: 'Ukrainian General Staff',
    kind: 'military',
    reliability: 'B',
    credibility: 2,
  },
  location: { name: 'Kupiansk', country: 'UA', lat: 49.7106, lon: 37.6156, precision: 'near' },
  details: {
    actor: 'KP',
    supporting: 'RU',
    movement: 'arrival',
    personnel: { low: 1000, best: 1500, high: 2000 },
    equipment: [{ category: 'artillery', quantity: { best: 24 } }],
  },
};
const EVENT_TYPE = 'ReportFiled';
const METADATA = { schemaVersion: 1 };

interface Contender {
  name: string;
  /** One event to stream `streamId`, whose current version (0: none yet) is known. */
  appendOne(streamId: string, version: number): Promise<void>;
  /** `count` events to the new stream `streamId` in one append. */
  appendMany(streamId: string, count: number): Promise<void>;
}

/** Single-event appends, 16 writers; 1000-event appends and batches, 2 writers. */
export async function benchEventStore(databaseUrl: string): Promise<BenchResult[]> {
  const ourPool = new Pool({ connectionString: databaseUrl, max: POOL_SIZE });
  const emmettPool = new Pool({ connectionString: databaseUrl, max: POOL_SIZE });
  const store = new PostgresEventStore(ourPool);
  const emmett = getPostgreSQLEventStore(databaseUrl, {
    connectionOptions: { pool: emmettPool },
  });
  await emmett.schema.migrate();
  const checkpoint = () => ourPool.query('CHECKPOINT');
  const event: NewEvent = { type: EVENT_TYPE, data: REPORT_PAYLOAD, metadata: METADATA };
  const manyEvents = Array.from({ length: BATCH_SIZE }, () => event);
  const emmettEvent = { type: EVENT_TYPE, data: REPORT_PAYLOAD, metadata: METADATA };
  const manyEmmettEvents = Array.from({ length: BATCH_SIZE }, () => emmettEvent);

  const ours: Contender = {
    name: 'ours',
    appendOne: async (streamId, version) => {
      await store.append(streamId, [event], {
        expectedVersion: version === 0 ? 'no_stream' : version,
      });
    },
    appendMany: async (streamId) => {
      await store.append(streamId, manyEvents, { expectedVersion: 'no_stream' });
    },
  };
  const oursWithKeys: Contender = {
    ...ours,
    name: 'ours, idempotency key',
    appendOne: async (streamId, version) => {
      await store.append(streamId, [event], {
        expectedVersion: version === 0 ? 'no_stream' : version,
        idempotency: { key: `${streamId}/${version}`, contentHash: 'bench' },
      });
    },
  };
  const oursBatch: Contender = {
    ...ours,
    name: 'ours, appendBatch',
    appendMany: async (prefix, count) => {
      const outcomes = await store.appendBatch(
        Array.from({ length: count }, (_, i) => ({
          streamId: `${prefix}-${i}`,
          events: [event],
          expectedVersion: 'no_stream' as const,
          idempotency: { key: `${prefix}-${i}`, contentHash: 'bench' },
        })),
      );
      if (outcomes.some((outcome) => outcome.status !== 'created')) {
        throw new Error('bench batch item not created');
      }
    },
  };
  const theirs: Contender = {
    name: 'Emmett',
    appendOne: async (streamId, version) => {
      // Emmett checks an explicit version, 0n included (its STREAM_DOES_NOT_EXIST skips the check).
      await emmett.appendToStream(streamId, [emmettEvent], {
        expectedStreamVersion: BigInt(version),
      });
    },
    appendMany: async (streamId) => {
      await emmett.appendToStream(streamId, manyEmmettEvents, { expectedStreamVersion: 0n });
    },
  };

  let run = 0;
  const single = (contender: Contender, durationMs: number) => {
    const prefix = `single-${contender.name.replace(/\W+/g, '_')}-${++run}`;
    return measureRate(SINGLE_WRITERS, durationMs, async (writer, iteration) => {
      const stream = Math.floor(iteration / EVENTS_PER_STREAM);
      await contender.appendOne(`${prefix}-${writer}-${stream}`, iteration % EVENTS_PER_STREAM);
      return 1;
    });
  };
  const batches = (contender: Contender, durationMs: number) => {
    const prefix = `batch-${contender.name.replace(/\W+/g, '_')}-${++run}`;
    return measureRate(BATCH_WRITERS, durationMs, async (writer, iteration) => {
      await contender.appendMany(`${prefix}-${writer}-${iteration}`, BATCH_SIZE);
      return BATCH_SIZE;
    });
  };

  /** Warms each up, then alternates who goes first in each round; a CHECKPOINT before each. */
  const compare = async (
    contenders: Contender[],
    scenario: (contender: Contender, durationMs: number) => Promise<number>,
  ): Promise<Map<string, number[]>> => {
    const rates = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
    for (const contender of contenders) await scenario(contender, WARMUP_MS);
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? contenders : [...contenders].reverse();
      for (const contender of order) {
        await checkpoint();
        rates.get(contender.name)!.push(await scenario(contender, ROUND_MS));
      }
    }
    return rates;
  };

  try {
    const singleRates = await compare([ours, theirs, oursWithKeys], single);
    const batchRates = await compare([ours, theirs, oursBatch], batches);
    const results: BenchResult[] = [];
    const row = (
      name: string,
      rates: Map<string, number[]>,
      contender: Contender,
      writers: number,
      withTarget: boolean,
    ): BenchResult => {
      const value = median(rates.get(contender.name)!);
      const baseline = median(rates.get(theirs.name)!);
      const ratio = value / baseline;
      return {
        name,
        unit: 'events/s',
        value,
        baseline: { name: 'Emmett 0.42', value: baseline },
        target: withTarget
          ? { description: `>= ${TARGET_RATIO}x Emmett`, met: ratio >= TARGET_RATIO }
          : undefined,
        details:
          `${writers} writers, pool ${POOL_SIZE}, median of ${ROUNDS} x ${ROUND_MS / 1000} s; ` +
          `ours ${fmtRounds(rates.get(contender.name)!)}, Emmett ${fmtRounds(rates.get(theirs.name)!)}`,
      };
    };
    results.push(
      row('append 1 event, expected version', singleRates, ours, SINGLE_WRITERS, true),
      row(
        'append 1 event, expected version + idempotency key',
        singleRates,
        oursWithKeys,
        SINGLE_WRITERS,
        false,
      ),
      row(`append ${BATCH_SIZE} events to one stream`, batchRates, ours, BATCH_WRITERS, true),
      row(
        `appendBatch ${BATCH_SIZE} streams x 1 event + key (vs Emmett ${BATCH_SIZE} events to one stream)`,
        batchRates,
        oursBatch,
        BATCH_WRITERS,
        true,
      ),
    );
    return results;
  } finally {
    await appendNotifierFor(ourPool).flush();
    await emmett.close();
    await Promise.all([ourPool.end(), emmettPool.end()]);
  }
}

function fmtRounds(rates: number[]): string {
  return rates.map((rate) => Math.round(rate).toLocaleString('en-US')).join(' / ');
}
