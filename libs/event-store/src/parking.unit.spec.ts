import { isTransientFailure, TransientError } from '@cm/platform/plumbing';
import { handleOrPark } from './parking';

describe('handleOrPark', () => {
  /** Runs the policy over items 1..n with a handler that fails on any part holding `bad`. */
  const settle = async (n: number, bad: readonly number[], maxTries = 3) => {
    const handled: number[][] = [];
    const parked: { item: number; attempts: number }[] = [];
    const pauses: number[] = [];
    let calls = 0;
    await handleOrPark(
      Array.from({ length: n }, (_, i) => i + 1),
      {
        maxTries,
        handle: async (part) => {
          calls++;
          if (part.some((item) => bad.includes(item))) throw new Error('cannot project');
          handled.push(part);
        },
        park: async (item, { attempts }) => {
          parked.push({ item, attempts });
        },
        pause: async (attempt) => {
          pauses.push(attempt);
        },
      },
    );
    return { handled, parked, pauses, calls };
  };

  it('parks the one failing item after its tries and handles every other item once, in order', async () => {
    const { handled, parked } = await settle(10, [6]);
    expect(parked).toEqual([{ item: 6, attempts: 3 }]);
    expect(handled.flat()).toEqual([1, 2, 3, 4, 5, 7, 8, 9, 10]);
  });

  it('parks each of several failing items and nothing else', async () => {
    const { handled, parked } = await settle(16, [1, 9, 16], 2);
    expect(parked.map((entry) => entry.item)).toEqual([1, 9, 16]);
    expect(handled.flat()).toEqual([2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15]);
  });

  it('handles a part whose failure was passing without splitting it', async () => {
    let failures = 1;
    const handled: number[][] = [];
    await handleOrPark([1, 2, 3], {
      handle: async (part) => {
        if (failures-- > 0) throw new Error('flaky');
        handled.push(part);
      },
      park: async () => {
        throw new Error('nothing may be parked');
      },
      pause: async () => undefined,
    });
    expect(handled).toEqual([[1, 2, 3]]);
  });

  it('retries transient failures without using up tries and parks nothing for them', async () => {
    let transient = 10;
    const parked: number[] = [];
    const reported: boolean[] = [];
    await handleOrPark([1], {
      maxTries: 2,
      handle: async () => {
        if (transient-- > 0) throw new TransientError('a rebuild is running');
      },
      park: async (item) => {
        parked.push(item);
      },
      pause: async () => undefined,
      onFailure: ({ transient: isTransient }) => reported.push(isTransient),
    });
    expect(parked).toEqual([]);
    // Each failure is reported, none silently swallowed.
    expect(reported).toEqual(Array(10).fill(true));
  });

  it('counts the failure of a first try made before it was called', async () => {
    const { parked } = await (async () => {
      const out: number[] = [];
      let calls = 0;
      await handleOrPark([7], {
        maxTries: 2,
        firstFailure: new Error('first'),
        handle: async () => {
          calls++;
          throw new Error('again');
        },
        park: async (item) => {
          out.push(item, calls);
        },
        pause: async () => undefined,
      });
      return { parked: out };
    })();
    expect(parked).toEqual([7, 1]);
  });
});

describe('isTransientFailure', () => {
  it.each([
    ['TransientError', new TransientError('rebuild'), true],
    ['57P01', Object.assign(new Error('terminating connection'), { code: '57P01' }), true],
    ['ECONNREFUSED', Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }), true],
    ['terminated', new Error('Connection terminated unexpectedly'), true],
    [
      '22008',
      Object.assign(new Error('date/time field value out of range'), { code: '22008' }),
      false,
    ],
    ['RangeError', new RangeError('Invalid time value'), false],
  ])('%s -> %s', (_name, error, expected) => {
    expect(isTransientFailure(error)).toBe(expected);
  });
});
