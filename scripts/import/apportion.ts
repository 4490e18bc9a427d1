/**
 * Shares an event-level total among parts in proportion to their weights, in whole numbers
 * that add up to the total exactly (largest remainder). With weights that are the parts' best
 * estimates and a total of the event's low (<= the sum of the weights) no share exceeds its
 * weight; with the event's high (>= the sum) none falls below it. So each part keeps
 * low <= best <= high, and the parts' lows and highs add up to the event's.
 */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0) return weights.map(() => 0);
  const exact = weights.map((weight) => (total * weight) / sum);
  const shares = exact.map(Math.floor);
  let left = total - shares.reduce((a, b) => a + b, 0);
  const order = exact
    .map((value, index) => ({ index, remainder: value - Math.floor(value) }))
    .sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of order) {
    if (left <= 0) break;
    if (weights[index] === 0) continue;
    shares[index]++;
    left--;
  }
  return shares;
}
