import { TransientError } from '@cm/messaging';
import type { PoolClient } from 'pg';

/**
 * A rebuild and the projector's Kafka consumers must not write the read models at the same
 * time: a consumer batch takes this lock shared (for its transaction), `npm run rebuild:read-models` takes
 * it exclusive (for its session) while it empties and replays. The store subscription of the
 * embedded mode needs none of this: the rebuild runs that very subscription.
 */
const LOCK = `hashtextextended('cm_projector_rebuild', 0)`;

/** The projector's consumer group in distributed mode, and the name of its progress rows. */
export const PROJECTOR_GROUP = 'projector';

/** In a consumer batch's transaction: a TransientError (wait, retry) while a rebuild runs. */
export async function waitForNoRebuild(tx: PoolClient): Promise<void> {
  const { rows } = await tx.query<{ free: boolean }>(
    `SELECT pg_try_advisory_xact_lock_shared(${LOCK}) AS free`,
  );
  if (!rows[0].free) throw new TransientError('a read-model rebuild is running');
}

/** Blocks until no consumer batch is in flight, then keeps them out until `release`. */
export async function holdRebuildLock(client: PoolClient): Promise<() => Promise<void>> {
  await client.query(`SELECT pg_advisory_lock(${LOCK})`);
  return async () => {
    await client.query(`SELECT pg_advisory_unlock(${LOCK})`);
  };
}
