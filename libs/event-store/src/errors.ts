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
