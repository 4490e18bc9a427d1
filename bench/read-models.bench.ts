import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { rebuildReadModels } from '@cm/read-models';
import { reportHistory, VARIED_REPORTS } from '../libs/contracts/src/testing';
import { appendHistory } from '../libs/read-models/src/testing';
import type { BenchResult } from './bench-result';
import { median } from './measure';

const EVENTS = 200_000;
const THEATRES = 50;
const ROUNDS = 2;
const TARGET_EVENTS_PER_SECOND = 30_000;

/**
 * `npm run rebuild` without the process around it: 200,000 events of the report history of
 * libs/contracts/src/testing with VARIED_REPORTS (four report types over 50 theatres, 8%
 * corrections, some moving occurredAt, 4% retractions, late reports, estimate ranges,
 * cumulative casualty totals from five sources) appended with
 * appendBatch, then the read models emptied and replayed from position 0 with the projector's
 * writer, twice; the median events/s is reported, the time to reset included.
 */
export async function benchReadModels(databaseUrl: string): Promise<BenchResult[]> {
  const pool = new Pool({ connectionString: databaseUrl, max: 4 });
  pool.on('error', () => undefined);
  try {
    const appendStarted = performance.now();
    await appendHistory(
      pool,
      reportHistory({ ...VARIED_REPORTS, seed: 42, events: EVENTS, theatres: THEATRES }),
      1000,
    );
    const appendSeconds = (performance.now() - appendStarted) / 1000;
    await pool.query('VACUUM ANALYZE events');
    const rates: number[] = [];
    let reportRows: number | undefined;
    for (let round = 0; round < ROUNDS; round++) {
      const result = await rebuildReadModels(pool);
      rates.push(result.events / (result.elapsedMs / 1000));
      // A rate is only worth reporting for a rebuild that got everything: an early stop
      // once showed as 174,000 events/s.
      const rows = await countReportRows(pool);
      if (reportRows !== undefined && rows !== reportRows) {
        throw new Error(`Rebuild ${round + 1} left ${rows} report rows, the first ${reportRows}`);
      }
      reportRows = rows;
    }
    const rate = median(rates);
    return [
      {
        name: `rebuild from position 0, ${EVENTS.toLocaleString('en-US')} events`,
        unit: 'events/s',
        value: rate,
        target: {
          description: `>= ${TARGET_EVENTS_PER_SECOND.toLocaleString('en-US')} events/s`,
          met: rate >= TARGET_EVENTS_PER_SECOND,
        },
        details:
          `rounds: ${rates.map((value) => Math.round(value).toLocaleString('en-US')).join(', ')} events/s; ` +
          `history appended in ${appendSeconds.toFixed(1)} s`,
      },
    ];
  } finally {
    await pool.end();
  }
}

async function countReportRows(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ count: string }>(
    `SELECT (SELECT count(*) FROM rm_deployments) + (SELECT count(*) FROM rm_casualties)
          + (SELECT count(*) FROM rm_ceasefire_violations)
          + (SELECT count(*) FROM rm_sanction_demands) AS count`,
  );
  return Number(rows[0].count);
}
