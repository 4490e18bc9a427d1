import { TOPICS } from '@cm/contracts';
import {
  describeParked,
  describeSubscriptionFailure,
  START,
  startSubscription,
} from '@cm/event-store';
import type { Checkpoint, StoredEvent, Subscription } from '@cm/event-store';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { MessagingLog } from './kafka-connection';
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
 * producer. An event the brokers refuse as such (too large) is parked by the subscription
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
        try {
          await producer.send({ topic: TOPICS.reports, acks: -1, messages });
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
