import { backoffMs } from './backoff';

describe('backoffMs', () => {
  const backoff = { initialMs: 100, maxMs: 10_000 };

  it('waits initialMs before the first retry and doubles per attempt', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffMs(attempt, backoff))).toEqual([
      100, 200, 400, 800,
    ]);
  });

  it('never waits more than maxMs, however long the outage', () => {
    expect(backoffMs(8, backoff)).toBe(10_000);
    expect(backoffMs(10_000, backoff)).toBe(10_000);
    expect(backoffMs(10_000, { initialMs: 1, maxMs: Infinity })).toBe(2 ** 30);
  });
});
