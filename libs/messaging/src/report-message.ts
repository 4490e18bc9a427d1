import { KAFKA_CONTENT_TYPE, KAFKA_HEADERS, TOPICS } from '@cm/contracts';
import type { ReportEventMessage } from '@cm/contracts';
import type { Checkpoint, StoredEvent } from '@cm/event-store';
import type { KafkaMessage, Message } from 'kafkajs';
import { partitionFor } from './kafka-connection';

/**
 * Our header beside docs/API.md's three: the storing transaction's id. With the position it is
 * the event's place in the store's read order (commit order), which is the order the relay
 * publishes in, so a consumer can drop anything at or before its progress as a duplicate.
 * Positions alone do not grow in that order when transactions commit out of order.
 */
export const STORE_TRANSACTION_HEADER = 'store-transaction-id';

/** The theatre a stored report event belongs to: the message key. */
export function theatreOf(event: StoredEvent): string {
  const theatre = (event.data as { theatre?: unknown } | null)?.theatre;
  return typeof theatre === 'string' ? theatre : event.streamId;
}

/** A stored event as a `conflict.reports.v1` message, on the partition its theatre hashes to. */
export function encodeReportMessage(event: StoredEvent, partitions: number): Message {
  const key = theatreOf(event);
  const value: ReportEventMessage = {
    eventId: event.eventId,
    type: event.type,
    streamId: event.streamId,
    streamVersion: event.streamVersion,
    position: event.position,
    recordedAt: event.recordedAt.toISOString(),
    data: event.data,
    metadata: event.metadata,
  };
  return {
    key,
    partition: partitionFor(TOPICS.reports, key, partitions),
    value: JSON.stringify(value),
    timestamp: String(event.recordedAt.getTime()),
    headers: {
      [KAFKA_HEADERS.eventType]: event.type,
      [KAFKA_HEADERS.eventId]: event.eventId,
      [KAFKA_HEADERS.contentType]: KAFKA_CONTENT_TYPE,
      [STORE_TRANSACTION_HEADER]: event.transactionId,
    },
  };
}

/** Why a message is not a report event we can handle; it goes to the dead-letter topic. */
export class UndecodableMessageError extends Error {
  override readonly name = 'UndecodableMessageError';
}

/** A `conflict.reports.v1` message back as the stored event it was; throws UndecodableMessageError. */
export function decodeReportMessage(message: KafkaMessage): StoredEvent {
  const transactionId = headerText(message, STORE_TRANSACTION_HEADER);
  if (!transactionId || !/^\d{1,20}$/.test(transactionId)) {
    throw new UndecodableMessageError(
      `header ${STORE_TRANSACTION_HEADER} is missing or not an xid8`,
    );
  }
  if (!message.value) throw new UndecodableMessageError('the message has no value');
  let value: Partial<ReportEventMessage>;
  try {
    value = JSON.parse(message.value.toString('utf8')) as Partial<ReportEventMessage>;
  } catch (error) {
    throw new UndecodableMessageError(`the value is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UndecodableMessageError('the value is not a JSON object');
  }
  const problems: string[] = [];
  const text = (field: keyof ReportEventMessage): string => {
    const v = value[field];
    if (typeof v !== 'string' || v === '') problems.push(`${field} must be a non-empty string`);
    return v as string;
  };
  const integer = (field: keyof ReportEventMessage, min: number): number => {
    const v = value[field];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      problems.push(`${field} must be an integer >= ${min}`);
    }
    return v as number;
  };
  const eventId = text('eventId');
  const type = text('type');
  const streamId = text('streamId');
  const streamVersion = integer('streamVersion', 0);
  const position = integer('position', 1);
  const recordedAt = new Date(text('recordedAt'));
  if (Number.isNaN(recordedAt.getTime())) problems.push('recordedAt must be an ISO 8601 instant');
  if (typeof value.data !== 'object' || value.data === null)
    problems.push('data must be an object');
  const metadata = value.metadata ?? {};
  if (typeof metadata !== 'object' || metadata === null)
    problems.push('metadata must be an object');
  if (problems.length > 0) throw new UndecodableMessageError(problems.join('; '));
  return {
    position,
    transactionId,
    eventId,
    streamId,
    streamVersion,
    type,
    data: value.data,
    metadata,
    recordedAt,
  };
}

export function checkpointOfEvent(event: StoredEvent): Checkpoint {
  return { position: event.position, transactionId: event.transactionId };
}

export function headerText(message: KafkaMessage, name: string): string | undefined {
  const raw = message.headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  if (first === undefined || first === null) return undefined;
  return Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}
