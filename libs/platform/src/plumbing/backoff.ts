/** How a retry loop waits: doubling from `initialMs` up to `maxMs`. */
export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/**
 * The wait before try `attempt` (1, 2, ...): `initialMs`, doubled per attempt, at most
 * `maxMs`. The exponent is capped so a long outage cannot overflow to Infinity.
 */
export function backoffMs(attempt: number, { initialMs, maxMs }: Backoff): number {
  return Math.min(initialMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30), maxMs);
}
