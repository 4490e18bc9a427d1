import type { CountEstimate } from '@cm/contracts';

/** A count as (low, best, high): a missing low or high counts as best (docs/READ-MODELS.md). */
export interface Bounds {
  low: number;
  best: number;
  high: number;
}

export function boundsOf(estimate: CountEstimate): Bounds {
  return {
    low: estimate.low ?? estimate.best,
    best: estimate.best,
    high: estimate.high ?? estimate.best,
  };
}
