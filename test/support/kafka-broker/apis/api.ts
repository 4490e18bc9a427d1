import type { IncomingRequest } from '../connection';
import type { GroupCoordinator } from '../group-coordinator';
import type { LogStore } from '../log-store';
import type { Reader } from '../protocol/reader';

/** What every API handler may use: the one node's identity, its log and its coordinator. */
export interface BrokerState {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly clusterId: string;
  readonly autoCreateTopics: boolean;
  readonly defaultPartitions: number;
  /** A record batch larger than this is refused with MESSAGE_TOO_LARGE. */
  readonly maxMessageBytes: number;
  /** Batches refused as too large, for assertions (KafkaTestBroker.tooLarge). */
  readonly tooLarge: { topic: string; partition: number; bytes: number; limit: number }[];
  readonly log: LogStore;
  readonly groups: GroupCoordinator;
  readonly apis: readonly ApiHandler[];
  nextProducerId(): number;
}

export interface ApiRequest extends IncomingRequest {
  version: number;
  broker: BrokerState;
}

/** One Kafka API: its versions, and a handler that decodes the request and encodes the answer. */
export interface ApiHandler {
  readonly apiKey: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(request: ApiRequest): Promise<Buffer | null> | Buffer | null;
}

/** Decodes `[topic [partition ...]]`, the shape most requests share. */
export function readTopics<T>(
  body: Reader,
  readPartition: (reader: Reader) => T,
): { name: string; partitions: T[] }[] {
  return body.array((topic) => ({ name: topic.string(), partitions: topic.array(readPartition) }));
}
