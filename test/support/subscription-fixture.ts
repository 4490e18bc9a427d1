import type { PoolClient } from 'pg';
import {
  appendNotifierFor,
  PostgresEventStore,
  type StoredEvent,
  type Subscription,
} from '@cm/event-store';
import { databasePerDescribe, type TestDatabase } from './database';

/**
 * What the store subscription specs share, for the tests of the enclosing describe block: a
 * fresh database with its store and a `handled` table where handlers record the positions they
 * handled, by subscription name. Subscriptions given to stopAfterTest() are stopped after each
 * test; the append notifier is flushed before the database is dropped.
 */
export class SubscriptionFixture {
  private current?: { db: TestDatabase; store: PostgresEventStore };
  private readonly running: Subscription[] = [];

  private constructor() {}

  /** Registers the hooks; `use` receives the database and store before the first test. */
  static perDescribe(
    use: (db: TestDatabase, store: PostgresEventStore) => void,
  ): SubscriptionFixture {
    const fixture = new SubscriptionFixture();
    databasePerDescribe(
      async (db) => {
        const store = new PostgresEventStore(db.pool);
        await db.pool.query(
          'CREATE TABLE handled (subscription text NOT NULL, position bigint NOT NULL)',
        );
        fixture.current = { db, store };
        use(db, store);
      },
      { beforeDrop: () => appendNotifierFor(fixture.database().pool).flush() },
    );
    afterEach(async () => {
      await Promise.all(fixture.running.splice(0).map((subscription) => subscription.stop()));
    }, 120_000);
    return fixture;
  }

  stopAfterTest(subscription: Subscription): Subscription {
    this.running.push(subscription);
    return subscription;
  }

  /** Records `events` as handled by `name`, in the batch's transaction `tx`. */
  async record(name: string, events: readonly StoredEvent[], tx: PoolClient): Promise<void> {
    await tx.query('INSERT INTO handled (subscription, position) SELECT $1, unnest($2::bigint[])', [
      name,
      events.map((event) => event.position),
    ]);
  }

  /** The positions `name` recorded, in position order. */
  async handledPositions(name: string): Promise<number[]> {
    const { rows } = await this.database().pool.query<{ position: string }>(
      'SELECT position FROM handled WHERE subscription = $1 ORDER BY position',
      [name],
    );
    return rows.map((row) => Number(row.position));
  }

  private database(): TestDatabase {
    if (!this.current) throw new Error('no database: use the fixture inside its describe block');
    return this.current.db;
  }
}
