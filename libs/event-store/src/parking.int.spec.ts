import type { PoolClient } from 'pg';
import type { TestDatabase } from '@cm/test-support/database';
import { SubscriptionFixture } from '@cm/test-support/subscription-fixture';
import type { StoredEvent } from './event-store.types';
import {
  countParkedEvents,
  discardParkedEvent,
  listParkedEvents,
  requestParkedRetry,
} from './parking';
import { TransientError } from '@cm/platform/plumbing';
import type { PostgresEventStore } from './postgres-event-store';
import {
  loadCheckpoint,
  startSubscription,
  type ParkedNotice,
  type SubscriptionFailureContext,
} from './subscription';
import { eventually } from '@cm/test-support/eventually';

describe('parking in store subscriptions', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  const fixture = SubscriptionFixture.perDescribe((created, createdStore) => {
    db = created;
    store = createdStore;
  });

  /** Appends `count` events of one stream each; `poison` marks the ones the handler refuses. */
  const append = async (name: string, count: number, poisonAt: readonly number[] = []) => {
    const positions: number[] = [];
    for (let i = 0; i < count; i++) {
      const result = await store.append(
        `${name}-${i}`,
        [{ type: 'report.filed', data: { n: i, poison: poisonAt.includes(i) } }],
        { expectedVersion: 'no_stream' },
      );
      positions.push(result.lastPosition);
    }
    return positions;
  };

  const handledPositions = (name: string) => fixture.handledPositions(name);

  /**
   * Records each of this test's events (its streams start with `name-`) in the batch's
   * transaction; throws (after writing) on a poisoned one. Other tests' events pass unseen.
   */
  const recordUnlessPoisoned =
    (name: string, accept: () => boolean = () => false) =>
    async (events: StoredEvent[], tx: PoolClient) => {
      const own = events.filter((event) => event.streamId.startsWith(`${name}-`));
      await fixture.record(name, own, tx);
      const poisoned = own.find((event) => (event.data as { poison: boolean }).poison);
      if (poisoned && !accept()) {
        throw Object.assign(new Error(`date/time field value out of range: "0000-01-01"`), {
          code: '22008',
        });
      }
    };

  it('parks the event the handler keeps failing on, handles the others and moves on', async () => {
    const positions = await append('park', 40, [17]);
    const poisoned = positions[17];
    const parkedNotices: ParkedNotice[] = [];
    const failures: SubscriptionFailureContext[] = [];
    const subscription = await startSubscription({
      pool: db.pool,
      name: 'park',
      batchSize: 16,
      retry: { initialMs: 5, maxMs: 20 },
      handle: recordUnlessPoisoned('park'),
      onParked: (notice) => parkedNotices.push(notice),
      onError: (_error, context) => failures.push(context),
    });
    fixture.stopAfterTest(subscription);
    await subscription.waitUntilCaughtUp(positions[positions.length - 1]);

    expect(await handledPositions('park')).toEqual(positions.filter((p) => p !== poisoned));
    expect((await loadCheckpoint(db.pool, 'park')).position).toBe(positions[39]);
    const [row] = await listParkedEvents(db.pool, 'park');
    expect(row).toMatchObject({
      subscriber: 'park',
      position: poisoned,
      streamId: 'park-17',
      type: 'report.filed',
      attempts: 3,
      error: { message: 'date/time field value out of range: "0000-01-01"', code: '22008' },
    });
    expect(row.error.stack).toContain('date/time field value out of range');
    expect(row.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(parkedNotices.map((notice) => notice.event.position)).toEqual([poisoned]);
    expect(await countParkedEvents(db.pool)).toEqual(new Map([['park', 1]]));
    // Every failure was reported with where it happened; the last ones name the event alone.
    expect(failures.length).toBeGreaterThanOrEqual(3);
    expect(failures.every((failure) => !failure.transient)).toBe(true);
    expect(
      failures.filter((f) => f.events?.length === 1).map((f) => f.events![0].position),
    ).toEqual([poisoned, poisoned, poisoned]);

    // Later events go on being handled.
    const later = await append('park-later', 3);
    await subscription.waitUntilCaughtUp(later[2]);
    expect((await handledPositions('park')).slice(-3)).toEqual(later);
  });

  it("retries failures that are not the event's fault without parking, reporting each", async () => {
    const positions = await append('transient', 5);
    let failuresLeft = 6;
    const failures: SubscriptionFailureContext[] = [];
    const subscription = await startSubscription({
      pool: db.pool,
      name: 'transient',
      retry: { initialMs: 5, maxMs: 20 },
      maxTries: 2,
      handle: async (events, tx) => {
        if (failuresLeft-- > 0) throw new TransientError('a read-model rebuild is running');
        await recordUnlessPoisoned('transient')(events, tx);
      },
      onError: (_error, context) => failures.push(context),
    });
    fixture.stopAfterTest(subscription);
    await subscription.waitUntilCaughtUp(positions[4]);
    expect(await handledPositions('transient')).toEqual(positions);
    expect(await listParkedEvents(db.pool, 'transient')).toEqual([]);
    expect(failures).toHaveLength(6);
    expect(failures.every((failure) => failure.transient)).toBe(true);
  });

  it('serves a requested retry through its handler: success deletes the row, failure keeps it', async () => {
    const positions = await append('retry', 6, [2]);
    let accept = false;
    const retried: boolean[] = [];
    const subscription = await startSubscription({
      pool: db.pool,
      name: 'retry',
      pollIntervalMs: 50,
      retry: { initialMs: 5, maxMs: 20 },
      handle: recordUnlessPoisoned('retry', () => accept),
      onError: () => undefined,
      onRetried: ({ ok }) => retried.push(ok),
    });
    fixture.stopAfterTest(subscription);
    await subscription.waitUntilCaughtUp(positions[5]);
    expect((await listParkedEvents(db.pool, 'retry')).map((row) => row.position)).toEqual([
      positions[2],
    ]);

    // Still failing: the row stays, with one more attempt and the retry's time.
    expect(await requestParkedRetry(db.pool, 'retry', positions[2])).toBeInstanceOf(Date);
    await eventually('one retry', () => retried.length === 1);
    const [kept] = await listParkedEvents(db.pool, 'retry');
    expect(kept).toMatchObject({ attempts: 4, retryRequestedAt: null });
    expect(kept.lastRetryAt).not.toBeNull();

    // Fixed: handled alone now, the row is gone, the checkpoint stays where it was.
    accept = true;
    await requestParkedRetry(db.pool, 'retry', positions[2]);
    await eventually('two retries', () => retried.length === 2);
    expect(retried).toEqual([false, true]);
    expect(await listParkedEvents(db.pool, 'retry')).toEqual([]);
    expect(await handledPositions('retry')).toEqual(positions);
    expect((await loadCheckpoint(db.pool, 'retry')).position).toBe(positions[5]);
    expect(await requestParkedRetry(db.pool, 'retry', positions[2])).toBeNull();
  });

  it('discards a parked row; the event stays skipped', async () => {
    const positions = await append('discard', 3, [1]);
    const subscription = await startSubscription({
      pool: db.pool,
      name: 'discard',
      retry: { initialMs: 5, maxMs: 20 },
      handle: recordUnlessPoisoned('discard'),
      onError: () => undefined,
    });
    fixture.stopAfterTest(subscription);
    await subscription.waitUntilCaughtUp(positions[2]);
    expect(await discardParkedEvent(db.pool, 'discard', positions[1])).toBe(true);
    expect(await discardParkedEvent(db.pool, 'discard', positions[1])).toBe(false);
    expect(await listParkedEvents(db.pool, 'discard')).toEqual([]);
    expect(await handledPositions('discard')).toEqual([positions[0], positions[2]]);
  });
});
