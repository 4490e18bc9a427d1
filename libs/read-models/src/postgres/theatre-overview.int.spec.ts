import { PostgresEventStore, type StoredEvent, type Subscription } from '@cm/event-store';
import { databasePerDescribe, type TestDatabase } from '@cm/test-support/database';
import { foldTheatreOverview, type TheatreOverview } from '../projections';
import { reportHistory, VARIED_REPORTS } from '@cm/contracts/testing';
import { appendHistory, startLiveProjector } from '../testing';
import { loadTheatreOverview } from './theatre-overview.query';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const THEATRES = ['theatre-0', 'theatre-1', 'theatre-2'];

describe('theatre overview: live and as of an instant', () => {
  let db: TestDatabase;
  let live: Subscription | undefined;

  databasePerDescribe((created) => (db = created), { beforeDrop: async () => live?.stop() });

  it('folded from the events recorded by an instant equals the live overview taken then', async () => {
    live = await startLiveProjector(db.pool, { batchSize: 250 });
    // Event time from 9 days ago to within hours of now (the reports cover about 88% of
    // `days`, corrections and retractions taking the rest), so the 24 h and 7 d windows
    // hold violations.
    const history = [
      ...reportHistory({
        ...VARIED_REPORTS,
        seed: 5,
        events: 4000,
        theatres: THEATRES.length,
        start: new Date(Date.now() - 9 * 86_400_000).toISOString(),
        days: 10,
      }),
    ];
    const taken: { at: Date; overviews: (TheatreOverview | null)[] }[] = [];
    const steps = [0, 600, 1400, 2500, 4000];
    for (let step = 1; step < steps.length; step++) {
      await appendHistory(db.pool, history.slice(steps[step - 1], steps[step]), 150);
      await live.waitUntilCaughtUp(undefined, 60_000);
      await sleep(5);
      const at = new Date();
      const overviews = await Promise.all(
        THEATRES.map((theatre) => loadTheatreOverview(db.pool, theatre, at)),
      );
      taken.push({ at, overviews });
      await sleep(5);
    }
    expect(await loadTheatreOverview(db.pool, 'theatre-unknown', new Date())).toBeNull();

    const recorded = await readAll(db);
    for (const { at, overviews } of taken) {
      THEATRES.forEach((theatre, index) => {
        const events = recorded.filter(
          (event) =>
            event.recordedAt <= at && (event.data as { theatre: string }).theatre === theatre,
        );
        expect(foldTheatreOverview(theatre, events, at)).toEqual(overviews[index]);
      });
    }
    // The comparison covered every part of the overview, not empty shells.
    const final = taken[taken.length - 1].overviews[0]!;
    expect(final.ceasefireViolations.last24h.total).toBeGreaterThan(0);
    expect(final.ceasefireViolations.last7d.total).toBeGreaterThan(
      final.ceasefireViolations.last24h.total,
    );
    expect(
      final.casualties.some((group) => group.cumulative && group.cumulative.sources.length > 1),
    ).toBe(true);
    expect(final.personnel.byActor.length).toBeGreaterThan(2);
    expect(final.equipment.length).toBeGreaterThan(2);
    expect(final.sanctionDemands.some((party) => party.recent.length === 10)).toBe(true);
  }, 180_000);
});

async function readAll(db: TestDatabase): Promise<StoredEvent[]> {
  const store = new PostgresEventStore(db.pool);
  const events: StoredEvent[] = [];
  let after = { position: 0, transactionId: '0' };
  for (;;) {
    const page = await store.readAll({ after, limit: 5000 });
    if (page.events.length === 0) return events;
    events.push(...page.events);
    after = page.checkpoint;
  }
}
