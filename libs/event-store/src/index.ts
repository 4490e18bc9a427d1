export { PostgresAppendListener, appendListenerFor } from './append-listener';
export type { PostgresAppendListenerOptions } from './append-listener';
export {
  EVENTS_CHANNEL,
  PostgresAppendNotifier,
  appendNotifierFor,
  combineListeners,
} from './append-notifier';
export type {
  AppendListener,
  AppendNotifier,
  PostgresAppendNotifierOptions,
} from './append-notifier';
export { START, compareCheckpoints } from './checkpoint';
export type { Checkpoint } from './checkpoint';
export { AppendCoalescer } from './append-coalescer';
export type { AppendCoalescerOptions } from './append-coalescer';
export {
  ConcurrencyError,
  IdempotencyConflictError,
  isItemError,
  UnknownPositionError,
  UnstorableEventError,
} from './errors';
export { uuidV7 } from './event-id';
export type {
  AppendOptions,
  AppendResult,
  BatchItem,
  ExpectedVersion,
  Idempotency,
  NewEvent,
  StoredEvent,
} from './event-store.types';
export { PostgresEventStore } from './postgres-event-store';
export type { AppendBatchOutcome, PostgresEventStoreOptions } from './postgres-event-store';
export {
  describeParked,
  describeSubscriptionFailure,
  loadCheckpoint,
  saveCheckpoint,
  startSubscription,
} from './subscription';
export type {
  ParkedNotice,
  Subscription,
  SubscriptionFailureContext,
  SubscriptionOptions,
} from './subscription';
export { readEventAt, toStoredEvent } from './read-all';
export type { EventRow } from './read-all';
export { subscriptionLogging } from './subscription-logging';
export { countEventsAfter, LAG_COUNT_CAP, StoreEventSource } from './event-source';
export type {
  EventBatch,
  EventConsumer,
  EventSource,
  StoreEventSourceOptions,
} from './event-source';
export {
  countParkedEvents,
  describeEvent,
  discardParkedEvent,
  findParkedEvent,
  handleOrPark,
  listParkedEvents,
  recordParkedEvent,
  requestParkedRetry,
  retryRequests,
  settleRetryFailed,
  settleRetrySucceeded,
  summarizeFailure,
} from './parking';
export type {
  FailureSummary,
  HandleOrParkOptions,
  HandlingFailure,
  ParkedEvent,
  ParkingRecord,
} from './parking';
// The outage and transient-failure tests live in the platform's plumbing; re-exported here
// because every subscriber of the store needs them beside handleOrPark.
export {
  DATABASE_RETRY_AFTER_SECONDS,
  isConnectionError,
  isDatabaseUnavailable,
  isTransientFailure,
  TransientError,
} from '@cm/platform/plumbing';
export type { Queryable } from '@cm/platform/plumbing';
