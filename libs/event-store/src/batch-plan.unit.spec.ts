import { planBatch, type StoredIdempotencyKey } from './batch-plan';
import { ConcurrencyError, IdempotencyConflictError } from './errors';
import type { BatchItem } from './event-store.types';

const event = { type: 'reported', data: {} };
const stored = (contentHash: string): StoredIdempotencyKey => ({
  contentHash,
  result: { streamId: 'report-a', nextExpectedVersion: 1, firstPosition: 7, lastPosition: 7 },
});

describe('planBatch', () => {
  it('appends new streams at version 1 and existing ones after their head', () => {
    const items: BatchItem[] = [
      { streamId: 'a', events: [event], expectedVersion: 'no_stream' },
      { streamId: 'b', events: [event, event], expectedVersion: 3 },
      { streamId: 'c', events: [event], expectedVersion: 'any' },
    ];
    const plan = planBatch(
      items,
      new Map([
        ['b', 3],
        ['c', 5],
      ]),
      new Map(),
    );
    expect(plan).toEqual([
      { kind: 'append', firstVersion: 1, lastVersion: 1 },
      { kind: 'append', firstVersion: 4, lastVersion: 5 },
      { kind: 'append', firstVersion: 6, lastVersion: 6 },
    ]);
  });

  it('reports a stale expected version as a ConcurrencyError with the actual version', () => {
    const plan = planBatch(
      [{ streamId: 'a', events: [event], expectedVersion: 'no_stream' }],
      new Map([['a', 2]]),
      new Map(),
    );
    expect(plan[0].kind).toBe('conflict');
    const error = (plan[0] as { error: ConcurrencyError }).error;
    expect(error).toBeInstanceOf(ConcurrencyError);
    expect(error).toMatchObject({ streamId: 'a', expected: 'no_stream', actual: 2 });
  });

  it('judges a second item on the same stream after the first', () => {
    const plan = planBatch(
      [
        { streamId: 'a', events: [event], expectedVersion: 'no_stream' },
        { streamId: 'a', events: [event], expectedVersion: 1 },
        { streamId: 'a', events: [event], expectedVersion: 1 },
      ],
      new Map(),
      new Map(),
    );
    expect(plan.map((item) => item.kind)).toEqual(['append', 'append', 'conflict']);
    expect(plan[1]).toEqual({ kind: 'append', firstVersion: 2, lastVersion: 2 });
  });

  it('answers a stored key with its original result, or a conflict for other content', () => {
    const plan = planBatch(
      [
        {
          streamId: 'a',
          events: [event],
          expectedVersion: 'no_stream',
          idempotency: { key: 'k1', contentHash: 'h' },
        },
        {
          streamId: 'b',
          events: [event],
          expectedVersion: 'no_stream',
          idempotency: { key: 'k2', contentHash: 'other' },
        },
      ],
      new Map([
        ['a', 1],
        ['b', 1],
      ]),
      new Map([
        ['k1', stored('h')],
        ['k2', stored('h')],
      ]),
    );
    expect(plan[0]).toEqual({ kind: 'duplicate', result: stored('h').result });
    expect(plan[1].kind).toBe('conflict');
    expect((plan[1] as { error: unknown }).error).toBeInstanceOf(IdempotencyConflictError);
  });

  it('lets the first use of a key within the batch win', () => {
    const key = (contentHash: string) => ({ key: 'k', contentHash });
    const plan = planBatch(
      [
        { streamId: 'a', events: [event], expectedVersion: 'no_stream', idempotency: key('h') },
        { streamId: 'a', events: [event], expectedVersion: 'no_stream', idempotency: key('h') },
        { streamId: 'a', events: [event], expectedVersion: 'no_stream', idempotency: key('x') },
      ],
      new Map(),
      new Map(),
    );
    expect(plan[0]).toEqual({ kind: 'append', firstVersion: 1, lastVersion: 1 });
    expect(plan[1]).toEqual({ kind: 'same-as', index: 0 });
    expect(plan[2].kind).toBe('conflict');
    expect((plan[2] as { error: IdempotencyConflictError }).error.key).toBe('k');
  });
});
