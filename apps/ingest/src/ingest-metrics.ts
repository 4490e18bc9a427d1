import { Inject, Injectable, Optional } from '@nestjs/common';
import { countEventsAfter, loadCheckpoint } from '@cm/event-store';
import { KAFKA_RUNTIME, REPORT_RELAY_SUBSCRIPTION } from '@cm/messaging';
import type { KafkaRuntime } from '@cm/messaging';
import { Metrics, PG_POOL } from '@cm/platform';
import { Counter, Gauge } from 'prom-client';
import type { Pool } from 'pg';

/** Ingest's Prometheus metrics, on the process's registry (GET /metrics). */
@Injectable()
export class IngestMetrics {
  readonly reportsIngested: Counter<'outcome'>;
  /** Distributed mode only (KAFKA_BROKERS set): stored events the relay published. */
  readonly relayPublished: Counter | undefined;

  constructor(
    metrics: Metrics,
    @Inject(PG_POOL) pool: Pool,
    @Optional() @Inject(KAFKA_RUNTIME) runtime: KafkaRuntime | null = null,
  ) {
    const registers = [metrics.registry];
    this.reportsIngested = new Counter({
      name: 'cm_reports_ingested_total',
      help: 'Report writes by outcome (created, duplicate, conflict, invalid)',
      labelNames: ['outcome'] as const,
      registers,
    });
    if (!runtime) return;
    this.relayPublished = new Counter({
      name: 'cm_kafka_relay_events_total',
      help: 'Stored events published to conflict.reports.v1',
      registers,
    });
    new Gauge({
      name: 'cm_kafka_relay_lag_positions',
      help: 'Events stored after the relay checkpoint in read order (counted up to 1,000,000)',
      registers,
      // From the stored checkpoint, by (transaction id, position): right also in the ingest
      // processes that are not the one publishing, and across gaps in the positions.
      async collect() {
        const checkpoint = await loadCheckpoint(pool, REPORT_RELAY_SUBSCRIPTION);
        this.set(await countEventsAfter(pool, checkpoint));
      },
    });
  }
}
