import { assertCheckpoint, compareCheckpoints, START } from './checkpoint';

describe('compareCheckpoints', () => {
  it('orders by transaction id first, then position', () => {
    expect(
      compareCheckpoints(
        { transactionId: '9', position: 50 },
        { transactionId: '10', position: 1 },
      ),
    ).toBeLessThan(0);
    expect(
      compareCheckpoints(
        { transactionId: '10', position: 2 },
        { transactionId: '10', position: 1 },
      ),
    ).toBeGreaterThan(0);
    expect(
      compareCheckpoints(
        { transactionId: '10', position: 1 },
        { transactionId: '10', position: 1 },
      ),
    ).toBe(0);
  });

  it('compares transaction ids beyond 2^53 exactly', () => {
    const a = { transactionId: '9007199254740993', position: 1 };
    const b = { transactionId: '9007199254740992', position: 1 };
    expect(compareCheckpoints(a, b)).toBeGreaterThan(0);
  });

  it('puts START before every event', () => {
    expect(compareCheckpoints(START, { transactionId: '3', position: 1 })).toBeLessThan(0);
  });

  it('rejects malformed checkpoints', () => {
    expect(() => assertCheckpoint({ transactionId: 'abc', position: 1 })).toThrow(RangeError);
    expect(() => assertCheckpoint({ transactionId: '1', position: -1 })).toThrow(RangeError);
    expect(() => assertCheckpoint(START)).not.toThrow();
  });
});
