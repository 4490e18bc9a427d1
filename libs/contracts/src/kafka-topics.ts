/** Kafka topics of docs/API.md; a breaking change to a value is a new `.v2` topic. */
export const TOPICS = {
  /** Every stored report event, keyed by theatre. */
  reports: 'conflict.reports.v1',
  /** Every alert raised or changed, keyed by theatre. */
  alerts: 'conflict.alerts.v1',
  /** Messages that could not be handled after bounded retries, the error in headers. */
  reportsDlq: 'conflict.reports.dlq.v1',
} as const;

export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

export const KAFKA_HEADERS = {
  eventType: 'event-type',
  eventId: 'event-id',
  contentType: 'content-type',
} as const;

export const KAFKA_CONTENT_TYPE = 'application/json';

/** The value of a `conflict.reports.v1` message: one stored report event. */
export interface ReportEventMessage<Type extends string = string, Data = unknown> {
  eventId: string;
  type: Type;
  streamId: string;
  streamVersion: number;
  position: number;
  /** ISO 8601, when the store recorded it. */
  recordedAt: string;
  data: Data;
  metadata: Record<string, unknown>;
}
