import { Pool, type PoolClient } from 'pg';
import type { TestDatabase } from '@cm/test-support/database';
import { SubscriptionFixture } from '@cm/test-support/subscription-fixture';
import { PostgresAppendListener } from './append-listener';
import { appendNotifierFor, type AppendListener } from './append-notifier';
import { START } from './checkpoint';
import type { StoredEvent } from './event-store.types';
import { PostgresEventStore } from './postgres-event-store';
import {
  loadCheckpoint,
  saveCheckpoint,
  startSubscription,
  type Subscription,
} from './subscription';
import { eventually } from '@cm/test-support/eventually';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('subscriptions', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let streamNo = 0;
  const fixture = SubscriptionFixture.perDescribe((created, createdStore) => {
    db = created;
    store = createdStore;
  });

  const appendEvents = async (count: number) => {
    let last = 0;
    for (let i = 0; i < count; i += 3) {
      const events = Array.from({ length: Math.min(3, count - i) }, (_, k) => ({
        type: 'report.filed',
        data: { n: i + k },
      }));
      last = (await store.append(`s-${++streamNo}`, events, { expectedVersion: 'no_stream' }))
        .lastPosition;
    }
    return last;
  };

  /** Records each handled event in the batch's own transaction. */
  const record = (name: string) => (events: StoredEvent[], tx: PoolClient) =>
    fixture.record(name, events, tx);

  const expectEachEventHandledOnce = async (name: string) => {
    const handled = await fixture.handledPositions(name);
    const stored = await db.pool.query<{ position: string }>(
      'SELECT position FROM events ORDER BY position',
    );
    expect(handled).toEqual(stored.rows.map((row) => Number(row.position)));
  };

  const handledCount = async (name: string) =>
    Number(
      (await db.pool.query('SELECT count(*) AS n FROM handled WHERE subscription = $1', [name]))
        .rows[0].n,
    );

  const start = async (options: Parameters<typeof startSubscription>[0]) =>
    fixture.stopAfterTest(await startSubscription(options));

  it('handles every event exactly once across a failing batch and a stop and restart', async () => {
    const head = await appendEvents(300);
    const errors: unknown[] = [];
    let calls = 0;
    let first: Subscription | undefined = undefined;
    first = await start({
      pool: db.pool,
      name: 'restart',
      batchSize: 7,
      retry: { initialMs: 10 },
      onError: (error) => errors.push(error),
      handle: async (events, tx) => {
        calls++;
        await record('restart')(events, tx);
        // Written, then failed: the batch's writes must roll back with it.
        if (calls === 3) throw new Error('handler failed');
        if (calls === 10) void first?.stop();
      },
    });
    await eventually('ten calls', () => calls >= 10);
    await first.stop();
    expect(first.checkpoint().position).toBeLessThan(head);
    expect(errors).toEqual([new Error('handler failed')]);
    expect(await loadCheckpoint(db.pool, 'restart')).toEqual(first.checkpoint());

    const second = await start({
      pool: db.pool,
      name: 'restart',
      batchSize: 7,
      handle: record('restart'),
    });
    await second.waitUntilCaughtUp(head);
    expect(second.checkpoint().position).toBe(head);
    await expectEachEventHandledOnce('restart');
  });

  it('loses and repeats nothing when its connection dies mid-batch', async () => {
    const head = await appendEvents(60);
    const errors: unknown[] = [];
    let calls = 0;
    const subscription = await start({
      pool: db.pool,
      name: 'crash',
      batchSize: 10,
      retry: { initialMs: 10 },
      onError: (error) => errors.push(error),
      handle: async (events, tx) => {
        calls++;
        await record('crash')(events, tx);
        if (calls === 2) {
          const { rows } = await tx.query('SELECT pg_backend_pid() AS pid');
          await db.pool.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
          await tx.query('SELECT 1'); // the session is gone: this fails like a crash would
        }
      },
    });
    await subscription.waitUntilCaughtUp(head);
    expect(errors.length).toBeGreaterThan(0);
    await expectEachEventHandledOnce('crash');
  });

  it('lets only one of two instances with the same name work, and the other take over', async () => {
    await appendEvents(90);
    let active = 0;
    let maxActive = 0;
    const handledBy: string[] = [];
    const handler = (label: string) => async (events: StoredEvent[], tx: PoolClient) => {
      active++;
      maxActive = Math.max(maxActive, active);
      handledBy.push(label);
      await sleep(2);
      await record('pair')(events, tx);
      active--;
    };
    const options = { pool: db.pool, name: 'pair', batchSize: 5, pollIntervalMs: 100 };
    const a = await start({ ...options, handle: handler('a') });
    const b = await start({ ...options, handle: handler('b') });
    const total = async () =>
      Number((await db.pool.query('SELECT count(*) AS n FROM events')).rows[0].n);
    await eventually(
      'every event handled',
      async () => (await handledCount('pair')) === (await total()),
    );
    expect(new Set(handledBy).size).toBe(1);

    const [leader, standby] = handledBy[0] === 'a' ? [a, b] : [b, a];
    const standbyLabel = handledBy[0] === 'a' ? 'b' : 'a';
    await leader.stop();
    const head = await appendEvents(30);
    await standby.waitUntilCaughtUp(head);
    expect(handledBy[handledBy.length - 1]).toBe(standbyLabel);
    expect(maxActive).toBe(1);
    await expectEachEventHandledOnce('pair');
  });

  it('handles events exactly once while writers commit out of position order', async () => {
    const name = 'racing';
    const deadline = Date.now() + 2_000;
    const writer = async (hold: boolean, w: number) => {
      const client = await db.pool.connect();
      try {
        for (let n = 0; Date.now() < deadline; n++) {
          if (!hold) {
            await store.append(`race-${w}-${n}`, [{ type: 'x', data: {} }], {
              expectedVersion: 'no_stream',
            });
            continue;
          }
          await client.query('BEGIN');
          await client.query(
            `INSERT INTO events (event_id, stream_id, stream_version, type, data)
             VALUES (gen_random_uuid(), $1, 1, 'x', '{}')`,
            [`race-${w}-${n}`],
          );
          await sleep(Math.random() * 10);
          await client.query('COMMIT');
        }
      } finally {
        client.release();
      }
    };
    let subscription = await start({ pool: db.pool, name, batchSize: 10, handle: record(name) });
    const writers = Promise.all([0, 1, 2, 3].map((w) => writer(w % 2 === 0, w)));
    await sleep(1_000);
    await subscription.stop();
    subscription = await start({ pool: db.pool, name, batchSize: 10, handle: record(name) });
    await writers;
    await subscription.waitUntilCaughtUp();
    await expectEachEventHandledOnce(name);
  });

  describe('waking', () => {
    const neverWakes: AppendListener = { subscribe: () => () => undefined };

    it('wakes on NOTIFY from another process, well before its poll, also after LISTEN drops', async () => {
      const elsewhere = new Pool({ connectionString: db.url, max: 2 });
      const otherProcess = new PostgresEventStore(elsewhere);
      const listenerErrors: unknown[] = [];
      const listener = new PostgresAppendListener(db.pool, {
        reconnectDelayMs: 100,
        onError: (error) => listenerErrors.push(error),
      });
      // Connections of earlier tests' listeners may still be closing: wait for ours alone.
      const listenerPids = async () =>
        (
          await db.pool.query<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity
             WHERE datname = current_database() AND query = 'LISTEN cm_events'`,
          )
        ).rows.map((row) => row.pid);
      try {
        const e0 = await otherProcess.append('wake-0', [{ type: 'x', data: {} }], {
          expectedVersion: 'no_stream',
        });
        const poll = { pollIntervalMs: 60_000, batchSize: 100 };
        const woken = await start({
          ...poll,
          pool: db.pool,
          name: 'woken',
          listener,
          handle: async () => {},
        });
        const control = await start({
          ...poll,
          pool: db.pool,
          name: 'control',
          listener: neverWakes,
          handle: async () => {},
        });
        await woken.waitUntilCaughtUp(e0.lastPosition);
        await control.waitUntilCaughtUp(e0.lastPosition);
        await eventually(
          'one listener',
          async () => listener.listening && (await listenerPids()).length === 1,
        );
        await sleep(300); // let both finish their batch and fall asleep for the 60 s poll

        const e1 = await otherProcess.append('wake-1', [{ type: 'x', data: {} }], {
          expectedVersion: 'no_stream',
        });
        await woken.waitUntilCaughtUp(e1.lastPosition, 20_000);
        await expect(control.waitUntilCaughtUp(e1.lastPosition, 1_500)).rejects.toThrow(
          /did not reach/,
        );

        const [droppedPid] = await listenerPids();
        await db.pool.query('SELECT pg_terminate_backend($1)', [droppedPid]);
        await eventually('a new listener', async () => {
          const pids = await listenerPids();
          return listener.listening && pids.length === 1 && pids[0] !== droppedPid;
        });
        expect(listenerErrors.length).toBeGreaterThan(0);
        await sleep(300);
        const e2 = await otherProcess.append('wake-2', [{ type: 'x', data: {} }], {
          expectedVersion: 'no_stream',
        });
        await woken.waitUntilCaughtUp(e2.lastPosition, 20_000);
      } finally {
        await appendNotifierFor(elsewhere).flush();
        await elsewhere.end();
      }
    });

    it('wakes on appends made in the same process without a round trip', async () => {
      const e0 = await store.append('local-0', [{ type: 'x', data: {} }], {
        expectedVersion: 'no_stream',
      });
      const subscription = await start({
        pool: db.pool,
        name: 'local',
        pollIntervalMs: 60_000,
        listener: appendNotifierFor(db.pool),
        handle: async () => {},
      });
      await subscription.waitUntilCaughtUp(e0.lastPosition);
      await sleep(300);
      const e1 = await store.append('local-1', [{ type: 'x', data: {} }], {
        expectedVersion: 'no_stream',
      });
      await subscription.waitUntilCaughtUp(e1.lastPosition, 20_000);
    });
  });

  it('stores and loads checkpoints in a caller transaction', async () => {
    expect(await loadCheckpoint(db.pool, 'nobody')).toEqual(START);
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await saveCheckpoint(client, 'manual', { position: 12, transactionId: '987' });
      await client.query('ROLLBACK');
      expect(await loadCheckpoint(db.pool, 'manual')).toEqual(START);
      await saveCheckpoint(client, 'manual', { position: 12, transactionId: '987' });
      expect(await loadCheckpoint(db.pool, 'manual')).toEqual({
        position: 12,
        transactionId: '987',
      });
    } finally {
      client.release();
    }
  });
});
