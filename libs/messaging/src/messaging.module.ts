import { Global, Logger, Module } from '@nestjs/common';
import type { OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, logTo, Metrics, PG_POOL, READINESS_CHECKS } from '@cm/platform';
import type { AppConfig, ReadinessCheck } from '@cm/platform';
import type { Pool } from 'pg';
import { Gauge } from 'prom-client';
import { partitionLags } from './consumer-health';
import type { MessagingLog } from './kafka-connection';
import { KafkaRuntime } from './kafka-runtime';

/** The process's KafkaRuntime, or null in the embedded mode (KAFKA_BROKERS unset). */
export const KAFKA_RUNTIME = Symbol('KAFKA_RUNTIME');

/** Closes the runtime's admin client when the app shuts down. */
class KafkaRuntimeCloser implements OnModuleDestroy {
  constructor(private readonly runtime: KafkaRuntime | null) {}
  async onModuleDestroy(): Promise<void> {
    await this.runtime?.close();
  }
}

/**
 * Per-partition lag of this process's consumer groups, read at each scrape:
 * `cm_kafka_partition_lag_events{group,partition}` (stored events of the partition's theatres
 * after its progress, by transaction id and position), `cm_kafka_consumer_lag_messages
 * {group,partition}` (Kafka's: high watermark less committed offset) and
 * `cm_kafka_consumer_crashed{group}` (1 while a member of the group in this process is down).
 */
export class KafkaConsumerGauges {
  constructor(metrics: Metrics, pool: Pool, runtime: KafkaRuntime) {
    const logger = new Logger('KafkaConsumerGauges');
    const registers = [metrics.registry];
    const warn = (what: string, error: unknown): void =>
      logger.warn({ err: error }, `${what} could not be measured for /metrics`);
    new Gauge({
      name: 'cm_kafka_partition_lag_events',
      help: "Stored events of a partition's theatres after the consumer group's progress on it",
      labelNames: ['group', 'partition'] as const,
      registers,
      async collect() {
        for (const consumer of runtime.consumers.groups()) {
          try {
            const lags = await partitionLags(
              pool,
              consumer.groupId,
              consumer.topicName,
              consumer.partitionCount,
            );
            for (const lag of lags) {
              this.set({ group: consumer.groupId, partition: String(lag.partition) }, lag.events);
            }
          } catch (error) {
            warn(`the store lag of group ${consumer.groupId}`, error);
          }
        }
      },
    });
    new Gauge({
      name: 'cm_kafka_consumer_lag_messages',
      help: "Kafka's lag of a consumer group on a partition: high watermark less committed offset",
      labelNames: ['group', 'partition'] as const,
      registers,
      async collect() {
        for (const consumer of runtime.consumers.groups()) {
          try {
            const lags = await runtime.kafkaLags(consumer.groupId, consumer.topicName);
            for (const [partition, lag] of lags) {
              this.set({ group: consumer.groupId, partition: String(partition) }, lag);
            }
          } catch (error) {
            warn(`the Kafka lag of group ${consumer.groupId}`, error);
          }
        }
      },
    });
    new Gauge({
      name: 'cm_kafka_consumer_crashed',
      help: 'A member of the consumer group in this process crashed or stopped unasked (1), else 0',
      labelNames: ['group'] as const,
      registers,
      collect() {
        const down = new Map<string, number>();
        for (const consumer of runtime.consumers.watched()) {
          down.set(
            consumer.groupId,
            Math.max(down.get(consumer.groupId) ?? 0, consumer.crashed() ? 1 : 0),
          );
        }
        for (const [group, value] of down) this.set({ group }, value);
      },
    });
  }
}

/** kafkajs's logs through Nest's logger (pino in the apps): the platform's `logTo`. */
export const messagingLog: (context: string) => MessagingLog = logTo;

/**
 * Kafka for the services that use it: with KAFKA_BROKERS set, the client and topics are ready
 * before any service starts, and /health/ready includes a broker check and one of the
 * process's consumer group members (crashed, or a partition stuck); without it nothing
 * here connects anywhere and KAFKA_RUNTIME is null.
 */
@Global()
@Module({
  providers: [
    {
      provide: KAFKA_RUNTIME,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig): Promise<KafkaRuntime | null> =>
        config.kafkaBrokers.length === 0
          ? null
          : KafkaRuntime.open({
              brokers: config.kafkaBrokers,
              clientId: `conflict-monitor-${process.pid}`,
              log: messagingLog('Kafka'),
              compression: config.kafkaCompression,
              maxMessageBytes: config.kafkaMaxMessageBytes,
              stuckAfterMs: config.kafkaStuckAfterMs,
            }),
    },
    {
      provide: KafkaRuntimeCloser,
      inject: [KAFKA_RUNTIME],
      useFactory: (runtime: KafkaRuntime | null) => new KafkaRuntimeCloser(runtime),
    },
    {
      provide: KafkaConsumerGauges,
      inject: [Metrics, PG_POOL, KAFKA_RUNTIME],
      useFactory: (metrics: Metrics, pool: Pool, runtime: KafkaRuntime | null) =>
        runtime ? new KafkaConsumerGauges(metrics, pool, runtime) : null,
    },
    {
      provide: READINESS_CHECKS,
      inject: [KAFKA_RUNTIME, PG_POOL],
      useFactory: (runtime: KafkaRuntime | null, pool: Pool): ReadinessCheck[] =>
        runtime
          ? [
              { name: 'kafka', check: () => runtime.ping() },
              // KAFKA.CONSUMER_CRASHED / KAFKA.PARTITION_STUCK (a coded ConsumerNotReadyError).
              { name: 'kafka-consumers', check: () => runtime.consumers.check(pool) },
            ]
          : [],
    },
  ],
  exports: [KAFKA_RUNTIME, READINESS_CHECKS],
})
export class MessagingModule {}
