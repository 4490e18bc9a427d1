import { startSubscription, type Subscription } from '@cm/event-store';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database';
import { appendHistory, dumpReadModels, reportHistory } from '../testing';
import { ReadModelWriter } from './read-model-writer';
import { PROJECTOR_SUBSCRIPTION, rebuildReadModels } from './rebuild';

describe('rebuild', () => {
  let db: TestDatabase;
  let live: Subscription | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
  }, 60_000);
  afterAll(async () => {
    await live?.stop();
    await db.drop();
  });

  it('gives tables identical to what live projection gave, corrections and retractions included', async () => {
    const writer = new ReadModelWriter();
    // Live: small batches, so batch boundaries differ from the rebuild's.
    live = await startSubscription({
      pool: db.pool,
      name: PROJECTOR_SUBSCRIPTION,
      batchSize: 97,
      pollIntervalMs: 50,
      handle: async (events, tx) => {
        await writer.apply(tx, events);
      },
    });
    const history = [...reportHistory({ seed: 7, events: 6000, theatres: 4 })];
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
});
