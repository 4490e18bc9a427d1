import { databasePerDescribe, type TestDatabase } from '@cm/test-support/database';
import { reportHistory, VARIED_REPORTS } from '@cm/contracts/testing';
import { appendHistory } from '../testing';
import { rebuildReadModels } from './rebuild';

const SEARCH_TIME_INDEXES = [
  'rm_casualties_time_idx',
  'rm_deployments_time_idx',
  'rm_sanction_demands_time_idx',
  'rm_violations_time_idx',
];

describe('rebuild and the search indexes', () => {
  let db: TestDatabase;

  databasePerDescribe((created) => (db = created));

  const timeIndexes = async () => {
    const { rows } = await db.pool.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY($1) ORDER BY indexname`,
      [SEARCH_TIME_INDEXES],
    );
    return rows;
  };

  it('leaves the (occurred_at, report_id) indexes it drops for the replay built again', async () => {
    const before = await timeIndexes();
    expect(before.map((row) => row.indexname)).toEqual(SEARCH_TIME_INDEXES);
    await appendHistory(
      db.pool,
      [...reportHistory({ ...VARIED_REPORTS, seed: 3, events: 500, theatres: 2 })],
      200,
    );
    await rebuildReadModels(db.pool, { batchSize: 100 });
    expect(await timeIndexes()).toEqual(before);
  }, 120_000);
});
