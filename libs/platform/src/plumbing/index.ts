/**
 * The platform's plumbing: what every lib and app shares below the framework. It imports
 * nothing of ours and no framework (only `pg`'s types), so the lowest libs (event-store,
 * read-models, alerts, messaging) can use it while the rest of libs/platform, the Nest
 * wiring, depends on them. Reached as `@cm/platform/plumbing`.
 */
export { backoffMs } from './backoff';
export type { Backoff } from './backoff';
export { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from './database-errors';
export { silentLog } from './log';
export type { Log, LogLineLevel } from './log';
export type { Queryable } from './queryable';
export { inTransaction, withTransaction } from './transaction';
export type { TransactionOptions } from './transaction';
export { isConnectionError, isTransientFailure, TransientError } from './transient-failures';
