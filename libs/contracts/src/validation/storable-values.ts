import { parseIsoDateTime } from './iso-date-time';

/**
 * What every part of the pipeline can store and replay. PostgreSQL's text and jsonb refuse
 * NUL (U+0000) and unpaired UTF-16 surrogates (jsonb rejects `\u0000` and a lone `\ud800`
 * escape), and its timestamps have no year 0, so a value outside these bounds accepted at
 * the door fails later, where no client hears of it: an event the projector cannot write
 * stops every read model. These checks run where values enter (bodies, query parameters,
 * path parameters, cursors).
 */

/** The earliest instant accepted anywhere: no source reports on armed conflict before it. */
export const EARLIEST_INSTANT = '1900-01-01T00:00:00Z';
export const EARLIEST_INSTANT_MS = Date.parse(EARLIEST_INSTANT);

export const STORABLE_TEXT_MESSAGE =
  'must not contain NUL characters or unpaired UTF-16 surrogates';
export const EARLIEST_INSTANT_MESSAGE = `must not be before ${EARLIEST_INSTANT}`;

// A NUL, a high surrogate not followed by a low one, or a low one not preceded by a high one.
// eslint-disable-next-line no-control-regex -- NUL is exactly what is looked for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True for a string PostgreSQL can store as text or inside jsonb (and UTF-8 can encode). */
export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

/**
 * The path of the first string that is not storable text in a parsed JSON value (keys
 * included), or undefined. `path` is dotted as validation errors are.
 */
export function findUnstorableText(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : path;
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = findUnstorableText(value[index], join(path, String(index)));
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (!isStorableText(key)) return join(path, key);
    const found = findUnstorableText((value as Record<string, unknown>)[key], join(path, key));
    if (found !== undefined) return found;
  }
  return undefined;
}

function join(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

/** True when `ms` is an instant accepted anywhere (not before EARLIEST_INSTANT). */
export function isStorableInstant(ms: number): boolean {
  return ms >= EARLIEST_INSTANT_MS;
}

/**
 * Milliseconds of an RFC 3339 date-time from EARLIEST_INSTANT on (the latest, 9999-12-31,
 * is the parser's), or undefined: for query parameters and cursors, where the format and the
 * range need not be told apart.
 */
export function parseStorableDateTime(value: unknown): number | undefined {
  const ms = parseIsoDateTime(value);
  return ms !== undefined && isStorableInstant(ms) ? ms : undefined;
}
