/** Durations of rule files: a whole number and a unit, `30s`, `30m`, `72h`, `7d`, `2w`. */

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION = /^(\d{1,6})(s|m|h|d|w)$/;

export const HOUR_MS = UNIT_MS.h;
export const DAY_MS = UNIT_MS.d;

/**
 * The longest duration a rule may use. Memory is bounded by the longest rule horizon, so an
 * unbounded window would be an unbounded state.
 */
export const MAX_DURATION_MS = 366 * DAY_MS;

/** Milliseconds, or undefined when `text` is not a duration. */
export function parseDuration(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const match = DURATION.exec(text);
  return match ? Number(match[1]) * UNIT_MS[match[2]] : undefined;
}

/** Milliseconds of a duration the validator has accepted. */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new TypeError(`not a duration: ${JSON.stringify(text)}`);
  return ms;
}
