import type { Pool, PoolClient } from 'pg';
import { isDatabaseUnavailable } from './database-errors';

export interface TransactionOptions {
  /** The statement that opens it (default `BEGIN`), e.g. with an isolation level. */
  begin?: string;
  /** Called when ROLLBACK itself failed: the connection is broken and must not be reused. */
  onBroken?: (error: unknown) => void;
}

/**
 * `work` in one transaction on a client the caller holds: BEGIN, COMMIT when it resolves,
 * ROLLBACK when it throws (the error is thrown on). A failed ROLLBACK means the connection
 * is gone: `onBroken` hears it.
 */
export async function inTransaction<T>(
  client: Pick<PoolClient, 'query'>,
  work: () => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  await client.query(options.begin ?? 'BEGIN');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      options.onBroken?.(rollbackError);
    });
    throw error;
  }
}

/**
 * `work` in one transaction on a client of `pool`, released afterwards. A client whose
 * connection failed (an outage, or a ROLLBACK that failed) is destroyed rather than pooled.
 */
export async function withTransaction<T>(
  pool: Pick<Pool, 'connect'>,
  work: (client: PoolClient) => Promise<T>,
  options: Omit<TransactionOptions, 'onBroken'> = {},
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    return await inTransaction(client, () => work(client), {
      ...options,
      onBroken: (error) => {
        broken = error instanceof Error ? error : new Error(String(error));
      },
    });
  } catch (error) {
    if (!broken && isDatabaseUnavailable(error)) broken = error as Error;
    throw error;
  } finally {
    client.release(broken ?? false);
  }
}
