/**
 * RFC 3339 date-times (the ISO 8601 profile JSON Schema's `date-time` means): full date,
 * `T`, time with seconds, optional fraction, and a zone (`Z` or `±hh:mm`). Date.parse alone
 * is too lenient (it accepts date-only strings, local times and engine-specific forms) and
 * rolls invalid days over, so the calendar is checked here.
 */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MINUTE_MS = 60_000;
/** toISOString of years outside 0000-9999 is not an RFC 3339 date-time. */
const MIN_MS = Date.parse('0000-01-01T00:00:00.000Z');
const MAX_MS = Date.parse('9999-12-31T23:59:59.999Z');

// validateReport reads each of a report's two dates twice (in the field rule, then for the
// rules across fields): remembering the last two answers halves the parsing.
const recent: [string, number | undefined][] = [
  ['', undefined],
  ['', undefined],
];
let oldest = 0;

/** Milliseconds since the epoch, or undefined when the string is not a valid date-time. */
export function parseIsoDateTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  if (recent[0][0] === value) return recent[0][1];
  if (recent[1][0] === value) return recent[1][1];
  const ms = parse(value);
  recent[oldest] = [value, ms];
  oldest = 1 - oldest;
  return ms;
}

function parse(value: string): number | undefined {
  const match = DATE_TIME.exec(value);
  if (match === null) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const hour = Number(match[4]);
  const minute = Number(match[5]);
  const second = Number(match[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (match[8] !== undefined) {
    const offsetHours = Number(match[9]);
    const offsetMins = Number(match[10]);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (match[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  // Sub-millisecond digits are dropped: a Date holds milliseconds.
  const millis = match[7] === undefined ? 0 : Number(match[7].slice(0, 3).padEnd(3, '0'));
  let utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (year < 100) {
    // Date.UTC reads years 0-99 as 1900-1999.
    const date = new Date(utc);
    date.setUTCFullYear(year);
    utc = date.getTime();
  }
  const ms = utc - offsetMinutes * MINUTE_MS;
  return ms >= MIN_MS && ms <= MAX_MS ? ms : undefined;
}

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return DAYS_IN_MONTH[month - 1];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return leap ? 29 : 28;
}

/** The canonical form stored and hashed: UTC, milliseconds, `Z`. */
export function normaliseIsoDateTime(value: string): string {
  const ms = parseIsoDateTime(value);
  if (ms === undefined) throw new RangeError(`not an RFC 3339 date-time: ${value}`);
  return new Date(ms).toISOString();
}
