import { Global, Module } from '@nestjs/common';
import type { OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, logTo, READINESS_CHECKS } from '@cm/platform';
import type { AppConfig, ReadinessCheck } from '@cm/platform';
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

/** kafkajs's logs through Nest's logger (pino in the apps): the platform's `logTo`. */
export const messagingLog: (context: string) => MessagingLog = logTo;

/**
 * Kafka for the services that use it: with KAFKA_BROKERS set, the client and topics are ready
 * before any service starts, and /health/ready includes a broker check; without it nothing
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
            }),
    },
    {
      provide: KafkaRuntimeCloser,
      inject: [KAFKA_RUNTIME],
      useFactory: (runtime: KafkaRuntime | null) => new KafkaRuntimeCloser(runtime),
    },
    {
      provide: READINESS_CHECKS,
      inject: [KAFKA_RUNTIME],
      useFactory: (runtime: KafkaRuntime | null): ReadinessCheck[] =>
        runtime ? [{ name: 'kafka', check: () => runtime.ping() }] : [],
    },
  ],
  exports: [KAFKA_RUNTIME, READINESS_CHECKS],
})
export class MessagingModule {}
