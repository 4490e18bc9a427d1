import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { TOPICS } from '@cm/contracts';
import { KAFKA_RUNTIME, messagingLog, ReportRelay } from '@cm/messaging';
import type { KafkaRuntime } from '@cm/messaging';
import { Metrics, PG_POOL } from '@cm/platform';
import { Counter, Gauge } from 'prom-client';
import type { Pool } from 'pg';

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
    metrics: Metrics,
    @Optional() @Inject(KAFKA_RUNTIME) runtime: KafkaRuntime | null = null,
  ) {
    if (!runtime) return;
    const published = new Counter({
      name: 'cm_kafka_relay_events_total',
      help: 'Stored events published to conflict.reports.v1',
      registers: [metrics.registry],
    });
    const relay = (this.relay = new ReportRelay({
      pool,
      kafka: runtime.kafka,
      partitions: runtime.partitions(TOPICS.reports),
      ...runtime.publishing,
      log: messagingLog('KafkaRelay'),
      onPublished: (events) => published.inc(events.length),
    }));
    new Gauge({
      name: 'cm_kafka_relay_lag_positions',
      help: 'Positions between the store head and the relay checkpoint',
      registers: [metrics.registry],
      async collect() {
        const { rows } = await pool.query<{ head: string | null }>(
          `SELECT max(position)::text AS head FROM events`,
        );
        this.set(Math.max(0, Number(rows[0].head ?? 0) - relay.checkpoint().position));
      },
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
