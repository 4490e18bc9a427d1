import type { ReportRecord } from './report-record';
import { advanceTo, firstAfter, firstAtOrAfter } from './report-record';

describe('advanceTo', () => {
  it('finds what a binary search over the whole list finds, from any start before it', () => {
    // Lists with many reports at one instant and gaps, as windows over a theatre meet them.
    let seed = 3;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (let round = 0; round < 200; round++) {
      const length = Math.floor(random() * 300);
      let t = 0;
      const list: ReportRecord[] = Array.from({ length }, (_, index) => {
        if (random() < 0.3) t += Math.floor(random() * 10);
        return { id: `r-${index}`, type: 'deployment', t, values: [], patterns: [] };
      });
      for (let probe = -2; probe <= t + 2; probe++) {
        for (const inclusive of [true, false]) {
          const expected = inclusive ? firstAtOrAfter(list, probe) : firstAfter(list, probe);
          const from = Math.floor(random() * (expected + 1));
          expect(advanceTo(list, from, probe, inclusive)).toBe(expected);
        }
      }
    }
  });
});
