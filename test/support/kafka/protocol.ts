/**
 * Shared wire-protocol pieces of the Kafka test broker: primitive codec (kafkajs's own), API keys,
 * error codes and the shape of an API module. TEST HARNESS ONLY — see docs/KAFKA-TEST-BROKER.md.
 */
import Decoder from 'kafkajs/src/protocol/decoder';
import Encoder from 'kafkajs/src/protocol/encoder';
import type { BrokerState } from './broker-state';

export { Decoder, Encoder };

export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  ApiVersions: 18,
  CreateTopics: 19,
  InitProducerId: 22,
} as const;

export const ErrorCode = {
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
  UNSUPPORTED_VERSION: 35,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REQUEST: 42,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  DUPLICATE_SEQUENCE_NUMBER: 46,
  INVALID_PRODUCER_EPOCH: 47,
} as const;

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export interface RequestContext {
  header: RequestHeader;
  state: BrokerState;
  /** Resolves when the connection the request came on closes (long polls and joins stop waiting). */
  closed: Promise<void>;
  /** Destroys the connection (test hooks that simulate a lost response). */
  dropConnection: () => void;
}

/** One API: decodes its request body and encodes the response body; `null` = send no response. */
export interface ApiModule {
  apiKey: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  handle(body: Decoder, ctx: RequestContext): Promise<Encoder | null> | Encoder | null;
}

/** An array whose length -1 means null (kafkajs's readArray folds null into []). */
export function readNullableArray<T>(decoder: Decoder, reader: (d: Decoder) => T): T[] | null {
  const length = decoder.buffer.readInt32BE(decoder.offset);
  if (length === -1) {
    decoder.offset += 4;
    return null;
  }
  return decoder.readArray(reader);
}

export function readInt64AsNumber(decoder: Decoder): number {
  return Number(decoder.readInt64());
}

/** A required string: the protocol forbids null here; treat it as empty. */
export function readStr(decoder: Decoder): string {
  return decoder.readString() ?? '';
}
