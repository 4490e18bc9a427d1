/**
 * Where a reader of all events stands: the (transaction id, position) of the last event it
 * has seen. Readers order by this pair, not by position alone, because concurrent appends
 * commit out of position order (see README).
 */
export interface Checkpoint {
  position: number;
  /** xid8 as a decimal string: it can exceed 2^53. */
  transactionId: string;
}

export const START: Checkpoint = Object.freeze({ position: 0, transactionId: '0' });

/** Negative when a is before b, in the order readers hand events out. */
export function compareCheckpoints(a: Checkpoint, b: Checkpoint): number {
  const ta = BigInt(a.transactionId);
  const tb = BigInt(b.transactionId);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.position - b.position;
}

export function assertCheckpoint(checkpoint: Checkpoint): void {
  if (!Number.isSafeInteger(checkpoint.position) || checkpoint.position < 0) {
    throw new RangeError(`Checkpoint position must be a non-negative integer`);
  }
  if (!/^\d{1,20}$/.test(checkpoint.transactionId)) {
    throw new RangeError(`Checkpoint transactionId must be a decimal xid8`);
  }
}
