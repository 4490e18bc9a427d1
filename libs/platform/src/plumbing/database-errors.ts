/**
 * Whether an error means the database cannot be reached right now (down, restarting, our
 * connections cut, the pool unable to connect in time), as opposed to a bug or a refused
 * statement. Such a failure is answered 503 with Retry-After, never 500: trying again later
 * is the right thing for the client, and nothing it sent was wrong.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return someCause(error, (candidate) => {
    const { code, message } = candidate as { code?: unknown; message?: unknown };
    if (typeof code === 'string') {
      if (NODE_CODES.has(code)) return true;
      // SQLSTATE class 08: connection exception; 57P01..57P03: the server shutting down,
      // crashed, or not accepting connections yet; 53300: too many connections.
      if (/^08[0-9A-Z]{3}$/.test(code)) return true;
      if (code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') {
        return true;
      }
    }
    return typeof message === 'string' && PG_MESSAGES.some((pattern) => pattern.test(message));
  });
}

/** Socket-level failures as Node reports them. */
const NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ERR_SOCKET_CLOSED',
]);

/** `pg` and `pg-pool` report these without a code. */
const PG_MESSAGES = [
  /^Connection terminated/, // unexpectedly, or due to connection timeout
  /^timeout exceeded when trying to connect/,
  /is not queryable/, // a client whose connection already failed
  /^Query read timeout/,
  /^Cannot use a pool after calling end on the pool/, // stopping
];

/** The error, its `cause`s, a TypeORM `driverError` and an AggregateError's errors. */
function someCause(error: unknown, test: (candidate: object) => boolean, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  if (test(error)) return true;
  const { cause, driverError, errors } = error as {
    cause?: unknown;
    driverError?: unknown;
    errors?: unknown;
  };
  if (someCause(cause, test, depth + 1) || someCause(driverError, test, depth + 1)) return true;
  return Array.isArray(errors) && errors.some((inner) => someCause(inner, test, depth + 1));
}

/** Seconds a client is asked to wait before trying again after DATABASE.UNAVAILABLE. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;
