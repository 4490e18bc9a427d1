import { reportedEventFor, reportStreamId } from '@cm/contracts';
import { describeParked, PostgresEventStore, type Subscription } from '@cm/event-store';
import { aCasualtyReport, reportHistory, VARIED_REPORTS } from '@cm/contracts/testing';
import { databasePerDescribe, type TestDatabase } from '@cm/test-support/database';
import { appendHistory, dumpReadModels, startLiveProjector } from '../testing';
import { rebuildReadModels } from './rebuild';

describe('rebuild', () => {
  let db: TestDatabase;
  let live: Subscription | undefined;

  databasePerDescribe((created) => (db = created), { beforeDrop: async () => live?.stop() });

  it('gives tables identical to what live projection gave, corrections and retractions included', async () => {
    // Live: small batches, so batch boundaries differ from the rebuild's.
    live = await startLiveProjector(db.pool, { batchSize: 97 });
    const history = [...reportHistory({ ...VARIED_REPORTS, seed: 7, events: 6000, theatres: 4 })];
    // Appended in slices while the projector runs.
    for (let i = 0; i < history.length; i += 500) {
      await appendHistory(db.pool, history.slice(i, i + 500), 200);
    }
    await live.waitUntilCaughtUp(undefined, 120_000);
    await live.stop();
    live = undefined;
    const liveTables = await dumpReadModels(db.pool);

    const kinds = history.reduce<Record<string, number>>((counts, event) => {
      counts[event.type] = (counts[event.type] ?? 0) + 1;
      return counts;
    }, {});
    expect(kinds.ReportCorrected).toBeGreaterThan(300);
    expect(kinds.ReportRetracted).toBeGreaterThan(150);
    const reports =
      liveTables.rm_deployments.length +
      liveTables.rm_casualties.length +
      liveTables.rm_ceasefire_violations.length +
      liveTables.rm_sanction_demands.length;
    const filed = history.length - kinds.ReportCorrected - kinds.ReportRetracted;
    expect(reports).toBe(filed - kinds.ReportRetracted);
    expect(liveTables.rm_casualty_source_totals.length).toBeGreaterThan(20);

    const result = await rebuildReadModels(db.pool, { batchSize: 1000 });
    expect(result.events).toBe(history.length);
    expect(await dumpReadModels(db.pool)).toEqual(liveTables);
  }, 180_000);

  it('is safe while a projector runs: its batch in flight is not counted twice', async () => {
    await db.pool.query(`TRUNCATE events`);
    const errors: unknown[] = [];
    live = await startLiveProjector(db.pool, {
      batchSize: 150,
      onError: (error) => errors.push(error),
    });
    const history = [
      ...reportHistory({
        ...VARIED_REPORTS,
        seed: 8,
        events: 12_000,
        theatres: 3,
        idPrefix: 'run',
      }),
    ];
    await appendHistory(db.pool, history.slice(0, 8000), 500);
    // The rebuild resets while the running projector is mid-backlog, and more reports
    // arrive during the replay, which the running projector (holding the lock) performs.
    const rebuilding = rebuildReadModels(db.pool);
    await appendHistory(db.pool, history.slice(8000), 500);
    await rebuilding;
    await live.waitUntilCaughtUp(undefined, 120_000);
    await live.stop();
    live = undefined;
    const whileRunning = await dumpReadModels(db.pool);
    // The only failures: batches that lost the race with the reset, rolled back and retried.
    for (const error of errors) expect(String(error)).toMatch(/checkpoint of projector moved/);

    const retracted = history.filter((event) => event.type === 'ReportRetracted').length;
    const filed = history.filter((event) => event.expectedVersion === 0).length;
    expect(
      whileRunning.rm_deployments.length +
        whileRunning.rm_casualties.length +
        whileRunning.rm_ceasefire_violations.length +
        whileRunning.rm_sanction_demands.length,
    ).toBe(filed - retracted);
    await rebuildReadModels(db.pool);
    expect(await dumpReadModels(db.pool)).toEqual(whileRunning);
  }, 180_000);

  it('names an event it cannot project, parks it and goes on', async () => {
    await db.pool.query(`TRUNCATE events, parked_events`);
    const store = new PostgresEventStore(db.pool);
    const history = [
      ...reportHistory({ ...VARIED_REPORTS, seed: 9, events: 300, theatres: 3, idPrefix: 'pk' }),
    ];
    await appendHistory(db.pool, history.slice(0, 150), 150);
    const poisoned = reportedEventFor(
      aCasualtyReport({ reportId: 'year-zero', occurredAt: '0000-01-01T00:00:00Z' }),
    );
    const { firstPosition } = await store.append(
      reportStreamId('year-zero'),
      [{ type: poisoned.type, data: poisoned.data, metadata: { schemaVersion: 1 } }],
      { expectedVersion: 'no_stream' },
    );
    await appendHistory(db.pool, history.slice(150), 150);

    const named: string[] = [];
    const result = await rebuildReadModels(db.pool, {
      batchSize: 100,
      onParked: (parked) => named.push(describeParked(parked)),
    });
    expect(result.events).toBe(history.length + 1);
    expect(result.parked.map((row) => [row.position, row.streamId, row.type])).toEqual([
      [firstPosition, reportStreamId('year-zero'), 'CasualtyReported'],
    ]);
    expect(named).toHaveLength(1);
    expect(named[0]).toContain(`position ${firstPosition}`);
    expect(named[0]).toContain(reportStreamId('year-zero'));
    expect(named[0]).toContain(result.parked[0].error.message);
    // Everything else is in the read models: the same as a history without the poisoned event.
    const withParked = await dumpReadModels(db.pool);
    await db.pool.query(`DELETE FROM events WHERE position = $1`, [firstPosition]);
    await db.pool.query(`TRUNCATE parked_events`);
    const clean = await rebuildReadModels(db.pool, { batchSize: 100 });
    expect(clean.parked).toEqual([]);
    expect(await dumpReadModels(db.pool)).toEqual(withParked);
  }, 180_000);
});
