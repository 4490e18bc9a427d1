import type { QueryConfig, QueryResult, QueryResultRow } from 'pg';

/** A pool or a client in a transaction: what the alert SQL runs on. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<QueryResult<R>>;
  /** A named statement (prepared once per connection) for the frequent reads. */
  query<R extends QueryResultRow = QueryResultRow>(config: QueryConfig): Promise<QueryResult<R>>;
}
