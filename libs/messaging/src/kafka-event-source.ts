import { StoreEventSource } from '@cm/event-store';
import type { EventConsumer, EventSource, StoredEvent } from '@cm/event-store';
import { TOPICS } from '@cm/contracts';
import type { Log } from '@cm/platform/plumbing';
import type { Pool, PoolClient } from 'pg';
import { groupLag } from './consumer-health';
import { partitionFor } from './kafka-connection';
import type { KafkaRuntime } from './kafka-runtime';
import { ReportConsumer } from './report-consumer';
import { theatreOf } from './report-message';
import type { ReportConsumerOptions } from './report-consumer';

export interface KafkaEventSourceOptions extends Pick<
  ReportConsumerOptions,
  | 'chunkSize'
  | 'sessionTimeoutMs'
  | 'heartbeatIntervalMs'
  | 'rebalanceTimeoutMs'
  | 'maxTries'
  | 'retry'
  | 'retryPollMs'
  | 'partitionsConsumedConcurrently'
> {
  pool: Pool;
  runtime: KafkaRuntime;
  /** The consumer group (its progress rows and its parked events go by it). */
  groupId: string;
  /**
   * In each batch's transaction before anything is read; a TransientError makes the batch
   * wait and retry (the projector while a rebuild holds the read models).
   */
  beforeBatch?: (tx: PoolClient) => Promise<void>;
  log?: Log;
}

/**
 * The distributed mode's source: a member of a consumer group on conflict.reports.v1
 * (ReportConsumer), its progress per partition in kafka_consumer_progress. An adapter: the
 * consumer's own batch already follows the checkpoint contract of EventSource.
 */
export class KafkaEventSource implements EventSource {
  readonly name: string;
  private consumer: ReportConsumer | undefined;
  private unwatch: (() => void) | undefined;

  constructor(private readonly options: KafkaEventSourceOptions) {
    this.name = options.groupId;
  }

  async start(consumer: EventConsumer): Promise<void> {
    if (this.consumer) return;
    const { pool, runtime, groupId, log, ...tuning } = this.options;
    this.consumer = new ReportConsumer({
      ...tuning,
      kafka: runtime.kafka,
      pool,
      groupId,
      partitions: runtime.partitions(TOPICS.reports),
      handle: async ({ partition, events, progress, tx }) => {
        await consumer.handle({ events, progress, partition, tx });
        // Kafka's offset is committed once this transaction's commit returns: a commit lost
        // in a PostgreSQL crash would never be redelivered, so it must not be asynchronous
        // (the read-model writer makes its own commits asynchronous).
        await tx.query('SET LOCAL synchronous_commit TO ON');
      },
      ...(consumer.onAssigned
        ? { onAssignment: (partitions) => consumer.onAssigned?.(partitions) }
        : {}),
      log,
    });
    await this.consumer.start();
    // Readiness (crashed, partition stuck) and the per-partition lag gauges.
    this.unwatch = runtime.consumers.watch(this.consumer);
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    this.unwatch?.();
    this.unwatch = undefined;
    await consumer?.stop();
  }

  /** Stored events after the group's progress, summed over the partitions (by transaction id and position). */
  lag(): Promise<number> {
    const { pool, runtime } = this.options;
    return groupLag(pool, this.name, TOPICS.reports, runtime.partitions(TOPICS.reports));
  }

  waitUntilCaughtUp(): Promise<void> {
    return Promise.reject(
      new Error(`consumer group ${this.name}: waiting until caught up is the embedded mode's`),
    );
  }

  partitionOf(event: StoredEvent): number {
    return partitionFor(
      TOPICS.reports,
      theatreOf(event),
      this.options.runtime.partitions(TOPICS.reports),
    );
  }

  /** The partitions of conflict.reports.v1 this member holds. */
  assignedPartitions(): readonly number[] {
    return this.consumer?.assignedPartitions() ?? [];
  }
}

export interface EventSourceChoice extends Omit<KafkaEventSourceOptions, 'runtime' | 'groupId'> {
  /** The process's Kafka runtime, or null in the embedded mode (KAFKA_BROKERS unset). */
  runtime: KafkaRuntime | null;
  /** The subscription's name, which is also the consumer group's. */
  name: string;
  /** Events per batch (the subscription's batch, the consumer's chunk). */
  batchSize?: number;
}

/**
 * The one place the mode is chosen: a consumer group with KAFKA_BROKERS set, else the store
 * subscription. Apps call it from their event-source provider.
 */
export function chooseEventSource(choice: EventSourceChoice): EventSource {
  const { runtime, name, batchSize, ...rest } = choice;
  if (runtime) {
    return new KafkaEventSource({ ...rest, runtime, groupId: name, chunkSize: batchSize });
  }
  return new StoreEventSource({ pool: rest.pool, name, batchSize, log: rest.log });
}
