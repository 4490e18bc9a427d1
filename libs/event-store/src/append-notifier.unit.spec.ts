import type { Pool } from 'pg';
import { PostgresAppendNotifier } from './append-notifier';

/** A pool whose queries finish when the test says so. */
function fakePool() {
  const pending: (() => void)[] = [];
  const queries: unknown[] = [];
  const pool = {
    ending: false,
    query: (query: unknown) => {
      queries.push(query);
      return new Promise<void>((resolve) => pending.push(resolve));
    },
  };
  const finishNext = async () => {
    pending.shift()?.();
    await new Promise((resolve) => setTimeout(resolve, 5));
  };
  return { pool: pool as unknown as Pool, queries, finishNext, pending };
}

/**
 * Waits until `queries` holds `count` entries (a loaded machine may take longer than any
 * fixed sleep to run the notifier's timers), failing after a second if it never does.
 */
async function untilQueries(queries: unknown[], count: number): Promise<void> {
  for (let waited = 0; queries.length < count && waited < 1000; waited += 5) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  expect(queries).toHaveLength(count);
}

describe('PostgresAppendNotifier', () => {
  it('wakes local subscribers on every append, directly', () => {
    const { pool } = fakePool();
    const notifier = new PostgresAppendNotifier(pool, { minIntervalMs: 0 });
    let woken = 0;
    const unsubscribe = notifier.subscribe(() => woken++);
    notifier.notify();
    notifier.notify();
    unsubscribe();
    notifier.notify();
    expect(woken).toBe(2);
  });

  it('keeps at most one NOTIFY in flight and sends one more for appends made meanwhile', async () => {
    const { pool, queries, finishNext } = fakePool();
    const notifier = new PostgresAppendNotifier(pool, { minIntervalMs: 0 });
    notifier.notify();
    for (let i = 0; i < 100; i++) notifier.notify();
    expect(queries).toHaveLength(1);
    await finishNext();
    await untilQueries(queries, 2); // the commits after the first NOTIFY was sent
    await finishNext();
    await notifier.flush();
    expect(queries).toHaveLength(2); // nothing new: nothing more to announce
    notifier.notify();
    expect(queries).toHaveLength(3);
    await finishNext();
    await notifier.flush();
  });

  it('reports a failed NOTIFY and keeps going', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const pool = {
      ending: false,
      query: () => (++calls === 1 ? Promise.reject(new Error('down')) : Promise.resolve()),
    } as unknown as Pool;
    const notifier = new PostgresAppendNotifier(pool, { onError: (e) => errors.push(e) });
    notifier.notify();
    await notifier.flush();
    notifier.notify();
    await notifier.flush();
    expect(errors).toEqual([new Error('down')]);
    expect(calls).toBe(2);
  });

  it('sends nothing once the pool is ending', () => {
    const { pool, queries } = fakePool();
    (pool as unknown as { ending: boolean }).ending = true;
    new PostgresAppendNotifier(pool).notify();
    expect(queries).toHaveLength(0);
  });
});
