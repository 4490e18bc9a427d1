import { isDatabaseUnavailable } from './database-errors';

/** A failure that is not the event's fault (database down, a rebuild running): wait, retry. */
export class TransientError extends Error {
  override readonly name: string = 'TransientError';
}

/**
 * SQLSTATE classes of failures that are the database's, not the event's, beyond an outage:
 * resources (53), a cancelled statement (57014), serialisation and deadlock (40001, 40P01),
 * a lock not available (55P03).
 */
const TRANSIENT_SQLSTATE = /^(53|57014|40001|40P01|55P03)/;

/**
 * The connection itself failed: it must not go back to the pool. The same test as the one
 * that answers HTTP calls 503 (database-errors.ts), so "outage" means one thing everywhere.
 */
export const isConnectionError = isDatabaseUnavailable;

/**
 * Whether a failure is the environment's rather than the event's: such failures are retried
 * for as long as they last and never park anything.
 */
export function isTransientFailure(error: unknown): boolean {
  if (error instanceof TransientError) return true;
  if ((error as { transient?: unknown } | null)?.transient === true) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TRANSIENT_SQLSTATE.test(code)) return true;
  return isConnectionError(error);
}
