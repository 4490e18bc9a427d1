import { ProblemError } from '@cm/platform';

/** The values a keyset holds: the sort key of the last row of a page. */
export type KeysetValue = string | number;
export type Keyset = Readonly<Record<string, KeysetValue>>;

/** Longer than any cursor this API hands out; anything longer is not one of ours. */
const MAX_CURSOR_LENGTH = 1024;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * An opaque keyset cursor: base64url of `{ s: scope, k: key }`, where `key` is the sort key of
 * the last row of the page handed out. The next page is the rows after that key, so rows
 * inserted meanwhile never shift a page (unlike OFFSET) and each row is returned once.
 * `scope` names the list, so a cursor of one list is refused by another. Decoding checks the
 * shape with `isKey`; anything else is a 400 on the `cursor` parameter.
 */
export class KeysetCursor<K extends Keyset> {
  constructor(
    readonly scope: string,
    private readonly isKey: (value: Record<string, unknown>) => value is K,
  ) {}

  encode(key: K): string {
    return Buffer.from(JSON.stringify({ s: this.scope, k: key })).toString('base64url');
  }

  decode(cursor: string): K {
    if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) {
      throw invalidCursor('is not a cursor this API handed out');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      throw invalidCursor('is not a cursor this API handed out');
    }
    if (!isRecord(parsed) || !isRecord(parsed.k)) {
      throw invalidCursor('is not a cursor this API handed out');
    }
    if (parsed.s !== this.scope) throw invalidCursor(`belongs to another list, not ${this.scope}`);
    if (!this.isKey(parsed.k)) throw invalidCursor('is not a cursor this API handed out');
    return parsed.k;
  }
}

export function invalidCursor(message: string): ProblemError {
  return ProblemError.validation([{ path: 'cursor', message }], 'The cursor is not valid.');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
