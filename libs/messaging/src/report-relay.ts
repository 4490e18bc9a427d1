import { TOPICS } from '@cm/contracts';
import {
  describeParked,
  describeSubscriptionFailure,
  START,
  startSubscription,
} from '@cm/event-store';
import type { Checkpoint, StoredEvent, Subscription } from '@cm/event-store';
import type { KafkaCompression } from '@cm/platform';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { compressionType, DEFAULT_KAFKA_COMPRESSION } from './codecs';
import type { MessagingLog } from './kafka-connection';
import { DEFAULT_MAX_MESSAGE_BYTES, splitIntoSends } from './publish-batches';
import { RenewableProducer } from './renewable-producer';
import { publishFailure } from './publish-failure';
import { encodeReportMessage } from './report-message';

export const REPORT_RELAY_SUBSCRIPTION = 'kafka-relay';

export interface ReportRelayOptions {
  pool: Pool;
  kafka: Kafka;
  /** Partitions of conflict.reports.v1 as the cluster has them (ensureTopics). */
  partitions: number;
  /** The checkpoint's name (default `kafka-relay`): one relay per name runs at a time. */
  name?: string;
  batchSize?: number;
  pollIntervalMs?: number;
  log?: MessagingLog;
  /** How produced batches are compressed (KAFKA_COMPRESSION; default gzip). */
  compression?: KafkaCompression;
  /**
   * The most bytes one partition's record batch may take before compression
   * (KAFKA_MAX_MESSAGE_BYTES; default 1,000,000, under Kafka's default message.max.bytes).
   */
  maxMessageBytes?: number;
  /** Told after each batch the brokers acknowledged (inside the checkpoint's transaction). */
  onPublished?: (events: readonly StoredEvent[]) => void;
}

/**
 * Publishes every stored event to `conflict.reports.v1`, in the store's read order, as a store
 * subscription: a batch is sent (idempotent producer, acks from all in-sync replicas) inside the
 * transaction that then moves the relay's checkpoint. If the process dies between the brokers'
 * acknowledgement and the commit, the next relay publishes that batch again: at most the
 * unacknowledged tail is repeated, and consumers drop it by store position. A send the cluster
 * failed (brokers unreachable, timeouts) is retried with a back-off, without limit, on a new
 * producer. A page goes out in as many sends as keep each partition's record batch under
 * `maxMessageBytes`, compressed with `compression`. An event too large for a batch of its own
 * is refused before sending; that one, or one the brokers refuse as such, is parked by the subscription
 * after bounded tries, like any subscriber's (parked_events, subscriber `kafka-relay`), and the
 * relay goes on; it is never skipped silently.
 */
export class ReportRelay {
  private producer: RenewableProducer | undefined;
  private subscription: Subscription | undefined;

  constructor(private readonly options: ReportRelayOptions) {}

  async start(): Promise<void> {
    if (this.subscription) return;
    const producer = new RenewableProducer(this.options.kafka);
    await producer.connect();
    this.producer = producer;
    this.subscription = await startSubscription({
      pool: this.options.pool,
      name: this.options.name ?? REPORT_RELAY_SUBSCRIPTION,
      batchSize: this.options.batchSize ?? 500,
      pollIntervalMs: this.options.pollIntervalMs,
      handle: async (events) => {
        const messages = events.map((event) => encodeReportMessage(event, this.options.partitions));
        // A page can exceed what a broker takes in one batch (large reports on one theatre):
        // it goes out in several sends. One event that cannot fit alone throws here, before
        // anything is sent, and is parked like any event the brokers refuse.
        const sends = splitIntoSends(
          messages,
          this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
        );
        const compression = compressionType(this.options.compression ?? DEFAULT_KAFKA_COMPRESSION);
        try {
          // One after the other, so each partition keeps the store's order. If a later send
          // fails, the whole page is retried: the earlier parts go out again and consumers
          // drop them as duplicates by store position.
          for (const part of sends) {
            await producer.send({ topic: TOPICS.reports, acks: -1, compression, messages: part });
          }
        } catch (error) {
          throw publishFailure(error);
        }
        this.options.onPublished?.(events);
      },
      onError: (error, context) =>
        this.options.log?.(
          'warn',
          `kafka relay: publishing a batch failed: ${describeSubscriptionFailure(error, context)}`,
          {
            err: error,
          },
        ),
      onParked: (parked) =>
        this.options.log?.('error', `kafka relay: ${describeParked(parked)}`, {
          err: parked.error,
        }),
    });
  }

  async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.stop();
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect();
  }

  /** The last checkpoint this relay committed (START before it ran). */
  checkpoint(): Checkpoint {
    return this.subscription?.checkpoint() ?? START;
  }

  /** Resolves once everything committed when called (or up to `position`) is published. */
  async waitUntilPublished(position?: number, timeoutMs?: number): Promise<void> {
    if (!this.subscription) throw new Error('the relay is not running');
    await this.subscription.waitUntilCaughtUp(position, timeoutMs);
  }
}
