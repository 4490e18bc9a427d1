import { AppendCoalescer } from './append-coalescer';
import type { BatchItem } from './event-store.types';
import type { AppendBatchOutcome } from './postgres-event-store';

/** A store whose transactions finish only when the test says so. */
function controllableStore() {
  const calls: { items: BatchItem[]; finish: (error?: Error) => void }[] = [];
  return {
    calls,
    appendBatch(items: BatchItem[]): Promise<AppendBatchOutcome[]> {
      return new Promise((resolve, reject) => {
        calls.push({
          items,
          finish: (error) =>
            error
              ? reject(error)
              : resolve(
                  items.map((item, index) => ({
                    status: 'created' as const,
                    result: {
                      streamId: item.streamId,
                      nextExpectedVersion: 1,
                      firstPosition: index + 1,
                      lastPosition: index + 1,
                    },
                  })),
                ),
        });
      });
    },
  };
}

const item = (n: number): BatchItem => ({
  streamId: `report-${n}`,
  events: [{ type: 'CasualtyReported', data: { n } }],
  expectedVersion: 'no_stream',
});
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('AppendCoalescer', () => {
  it('given a free slot, sends a lone item at once in a batch of one', async () => {
    const store = controllableStore();
    const coalescer = new AppendCoalescer(store, { maxInFlight: 1 });
    const outcome = coalescer.append(item(1));
    expect(store.calls.map((call) => call.items.length)).toEqual([1]);
    store.calls[0].finish();
    await expect(outcome).resolves.toMatchObject({
      status: 'created',
      result: { streamId: 'report-1' },
    });
  });

  it('given transactions in flight, gathers what arrives meanwhile into the next one', async () => {
    const store = controllableStore();
    const coalescer = new AppendCoalescer(store, { maxInFlight: 1 });
    const outcomes = [1, 2, 3, 4].map((n) => coalescer.append(item(n)));
    expect(store.calls).toHaveLength(1);
    store.calls[0].finish();
    await flush();
    expect(store.calls.map((call) => call.items.map((i) => i.streamId))).toEqual([
      ['report-1'],
      ['report-2', 'report-3', 'report-4'],
    ]);
    store.calls[1].finish();
    const results = await Promise.all(outcomes);
    expect(results.map((r) => r.status === 'created' && r.result.streamId)).toEqual([
      'report-1',
      'report-2',
      'report-3',
      'report-4',
    ]);
  });

  it('never puts more than maxBatch items in one transaction', async () => {
    const store = controllableStore();
    const coalescer = new AppendCoalescer(store, { maxInFlight: 1, maxBatch: 2 });
    for (let n = 0; n < 5; n++) void coalescer.append(item(n));
    store.calls[0].finish();
    await flush();
    store.calls[1].finish();
    await flush();
    expect(store.calls.map((call) => call.items.length)).toEqual([1, 2, 2]);
  });

  it('when a transaction fails, fails its callers only and goes on with the next', async () => {
    const store = controllableStore();
    const coalescer = new AppendCoalescer(store, { maxInFlight: 1 });
    const first = coalescer.append(item(1));
    const second = coalescer.append(item(2));
    store.calls[0].finish(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost');
    await flush();
    store.calls[1].finish();
    await expect(second).resolves.toMatchObject({ status: 'created' });
  });
});
