import type { Pool, PoolClient } from 'pg';

/** A pool or a client in a transaction. */
export type Queryable = Pick<Pool | PoolClient, 'query'>;
