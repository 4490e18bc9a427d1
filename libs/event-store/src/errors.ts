import type { ExpectedVersion } from './event-store.types';

/** The stream was not at the expected version (or another writer got there first). */
export class ConcurrencyError extends Error {
  readonly code = 'EVENT_STORE.CONCURRENCY';

  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    readonly actual: number,
  ) {
    super(`Stream ${streamId} is at version ${actual}, expected ${String(expected)}`);
    this.name = 'ConcurrencyError';
  }
}

/** The idempotency key was used before with other content. */
export class IdempotencyConflictError extends Error {
  readonly code = 'EVENT_STORE.IDEMPOTENCY_CONFLICT';

  constructor(readonly key: string) {
    super(`Idempotency key ${key} was already used with other content`);
    this.name = 'IdempotencyConflictError';
  }
}

/** A position that was never handed out for an event (or a rolled-back insert's gap). */
export class UnknownPositionError extends Error {
  readonly code = 'EVENT_STORE.UNKNOWN_POSITION';

  constructor(readonly position: number) {
    super(`No event has position ${position}`);
    this.name = 'UnknownPositionError';
  }
}

/**
 * PostgreSQL refused an item's own content (a NUL in a jsonb string, an unpaired surrogate,
 * a value past a limit): the item can never be stored as it is, whatever else shares its
 * transaction. Carries the database's message and SQLSTATE.
 */
export class UnstorableEventError extends Error {
  readonly code = 'EVENT_STORE.UNSTORABLE';

  constructor(
    readonly streamId: string,
    readonly sqlState: string | undefined,
    reason: string,
  ) {
    super(`The events for stream ${streamId} cannot be stored: ${reason}`);
    this.name = 'UnstorableEventError';
  }
}

/**
 * Whether an append failed because of what one of its items carried, so that appending the
 * items apart would let the others through: PostgreSQL's data exceptions (class 22, e.g.
 * 22P05 for "\u0000" in jsonb), integrity violations other than the unique ones the store
 * settles itself (class 23), program limits (class 54, e.g. a jsonb too large), and a value
 * JSON.stringify cannot serialise. Connection failures and the like are never this: retrying
 * item by item against a database that is down would only multiply the load on it.
 */
export function isItemError(error: unknown): boolean {
  // JSON.stringify's refusals only: any other TypeError is a bug, not the item's content.
  if (error instanceof TypeError) return /BigInt|circular/i.test(error.message);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return false;
  if (code === '23505') return false;
  return code.startsWith('22') || code.startsWith('23') || code.startsWith('54');
}
