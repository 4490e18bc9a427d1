/** 'no_stream': the stream has no event yet; 'any': no check; a number: exactly that version. */
export type ExpectedVersion = 'no_stream' | 'any' | number;

export interface NewEvent {
  type: string;
  data: unknown;
  metadata?: Record<string, unknown>;
  /** Defaults to a time-ordered UUID (v7) from the store's id source. */
  eventId?: string;
}

export interface StoredEvent<T = unknown> {
  /** Global, gap-tolerant order handed out at insert; commit order may differ (see README). */
  position: number;
  /** The inserting transaction's xid8, as a decimal string. */
  transactionId: string;
  eventId: string;
  streamId: string;
  streamVersion: number;
  type: string;
  data: T;
  metadata: Record<string, unknown>;
  recordedAt: Date;
}

export interface AppendResult {
  streamId: string;
  nextExpectedVersion: number;
  firstPosition: number;
  lastPosition: number;
}

/** `key` identifies the request (e.g. the report id); `contentHash` what it carried. */
export interface Idempotency {
  key: string;
  contentHash: string;
}

export interface AppendOptions {
  expectedVersion: ExpectedVersion;
  idempotency?: Idempotency;
}

export interface BatchItem {
  streamId: string;
  events: NewEvent[];
  expectedVersion: ExpectedVersion;
  idempotency?: Idempotency;
}
