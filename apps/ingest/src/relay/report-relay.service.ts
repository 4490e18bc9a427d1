import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { TOPICS } from '@cm/contracts';
import { KAFKA_RUNTIME, messagingLog, ReportRelay } from '@cm/messaging';
import type { KafkaRuntime } from '@cm/messaging';
import { PG_POOL } from '@cm/platform';
import type { Pool } from 'pg';
import { IngestMetrics } from '../ingest-metrics';

/**
 * Distributed mode: relays every stored event to conflict.reports.v1 (see ReportRelay). It runs
 * beside ingest, which writes the store; several ingest processes share one relay checkpoint
 * and one of them publishes at a time. Without KAFKA_BROKERS it does nothing.
 */
@Injectable()
export class ReportRelayService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly relay: ReportRelay | undefined;

  constructor(
    @Inject(PG_POOL) pool: Pool,
    metrics: IngestMetrics,
    @Optional() @Inject(KAFKA_RUNTIME) runtime: KafkaRuntime | null = null,
  ) {
    if (!runtime) return;
    this.relay = new ReportRelay({
      pool,
      kafka: runtime.kafka,
      partitions: runtime.partitions(TOPICS.reports),
      ...runtime.publishing,
      log: messagingLog('KafkaRelay'),
      onPublished: (events) => metrics.relayPublished?.inc(events.length),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.relay) new Logger('KafkaRelay').log('relaying stored events to conflict.reports.v1');
    await this.relay?.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.relay?.stop();
  }

  /** For tests: the relay, when this process runs one. */
  current(): ReportRelay | undefined {
    return this.relay;
  }
}
