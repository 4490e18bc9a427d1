import type { QueryConfig, QueryResult, QueryResultRow } from 'pg';

/**
 * A pool or a client in a transaction: what every statement in the libs runs on. Both forms
 * of `pg`'s query are allowed, the named one (prepared once per connection) for frequent reads.
 */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<QueryResult<R>>;
  query<R extends QueryResultRow = QueryResultRow>(config: QueryConfig): Promise<QueryResult<R>>;
}
