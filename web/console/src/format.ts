/** Display helpers: dates in UTC (analysts compare across time zones), estimates as ranges. */
import type { Estimate, Severity } from './types';

export const SEVERITY_RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1 };

export function utc(iso: string | null | undefined, withTime = true): string {
  if (!iso) return '-';
  const text = new Date(iso).toISOString();
  return withTime ? `${text.slice(0, 10)} ${text.slice(11, 16)} UTC` : text.slice(0, 10);
}

export function num(value: number | undefined): string {
  return value === undefined ? '-' : value.toLocaleString('en-GB');
}

/** best, with the low-high range when the sources gave one: "1,200 (1,000-1,500)". */
export function estimate(value: Estimate | null | undefined): string {
  if (!value) return '-';
  const range =
    value.low !== undefined &&
    value.high !== undefined &&
    (value.low !== value.best || value.high !== value.best)
      ? ` (${num(value.low)}-${num(value.high)})`
      : '';
  return `${num(value.best)}${range}`;
}

export function label(slug: string): string {
  return slug.replace(/_/g, ' ');
}
