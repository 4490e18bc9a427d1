import type { Log } from '@cm/platform/plumbing';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import type { LogEntry, Message, PartitionMetadata } from 'kafkajs';
import { registerCompressionCodecs } from './codecs';

/** The platform's one logging port, under the name messaging has used. */
export type MessagingLog = Log;

export interface KafkaConnectionOptions {
  brokers: readonly string[];
  /** Names this process to the brokers (client.id), e.g. `conflict-monitor-alerter`. */
  clientId: string;
  /** kafkajs's own log lines go here (warn and above by default). */
  log?: MessagingLog;
  /** kafkajs's connection and request timeouts, for tests that stop brokers (ms). */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/** A kafkajs client whose logs go to the caller's logger instead of kafkajs's console lines. */
export function createKafka(options: KafkaConnectionOptions): Kafka {
  // Every client this project makes comes from here: each can read (and the relays write)
  // Snappy, LZ4 and ZSTD batches, not only gzip.
  registerCompressionCodecs();
  const log = options.log;
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    // kafkajs retries a failed request itself; a relay or consumer batch that still fails is
    // retried by our own loops, which back off without limit for the relay (nothing may be
    // lost) and with bounded tries per message for consumers (the DLQ).
    retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 5000 },
    logLevel: log ? logLevel.WARN : logLevel.NOTHING,
    logCreator: () => (entry: LogEntry) => {
      if (!log) return;
      const { message, ...extra } = entry.log;
      const level =
        entry.level <= logLevel.ERROR ? 'error' : entry.level === logLevel.WARN ? 'warn' : 'info';
      log(level, `kafkajs ${entry.namespace}: ${message}`, extra);
    },
  });
}

const partitioner = Partitioners.DefaultPartitioner();

/**
 * The partition kafkajs's default partitioner (murmur2 of the key, as Java clients) picks for
 * `key` among `partitions`. The relay sets it on every message and the alerter uses it to tell
 * which theatres a partition holds, so both agree by construction.
 */
export function partitionFor(topic: string, key: string, partitions: number): number {
  const message: Message = { key, value: null };
  return partitioner({ topic, partitionMetadata: metadataOf(partitions), message });
}

/** What the partitioner is told of a topic's partitions; made once per count (hot path). */
const partitionMetadataByCount = new Map<number, PartitionMetadata[]>();

function metadataOf(partitions: number): PartitionMetadata[] {
  let metadata = partitionMetadataByCount.get(partitions);
  if (!metadata) {
    metadata = Array.from({ length: partitions }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
      partitionErrorCode: 0,
    }));
    partitionMetadataByCount.set(partitions, metadata);
  }
  return metadata;
}
