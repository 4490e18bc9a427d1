import { Inject, Injectable } from '@nestjs/common';
import type { EventSource, StoredEvent } from '@cm/event-store';
import type { WrittenChange } from '@cm/alerts';
import { Metrics } from '@cm/platform';
import { Counter, Gauge, Histogram } from 'prom-client';
import { ALERTER_EVENTS } from './alerter-events.provider';

/** The alerter's Prometheus metrics, on the process's registry (GET /metrics). */
@Injectable()
export class AlerterMetrics {
  readonly events: Counter;
  readonly raised: Counter<'rule' | 'severity'>;
  readonly changes: Counter<'change'>;
  readonly delay: Histogram;
  readonly batchEvents: Histogram;

  constructor(metrics: Metrics, @Inject(ALERTER_EVENTS) source: EventSource) {
    const registers = [metrics.registry];
    this.events = new Counter({
      name: 'cm_alerter_events_total',
      help: 'Stored events the alerter has handled',
      registers,
    });
    this.raised = new Counter({
      name: 'cm_alerts_raised_total',
      help: 'Alerts raised, by rule and severity',
      labelNames: ['rule', 'severity'] as const,
      registers,
    });
    this.changes = new Counter({
      name: 'cm_alert_changes_total',
      help: 'Alert changes journaled by the alerter (raised, updated, resolved)',
      labelNames: ['change'] as const,
      registers,
    });
    this.delay = new Histogram({
      name: 'cm_alerter_delay_seconds',
      help: 'From an event being stored to the alerter handling it (last event of each batch)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.batchEvents = new Histogram({
      name: 'cm_alerter_batch_events',
      help: 'Events per batch the alerter handled in one transaction (at most 5,000: live a batch is what arrived since the last, catching up it is full)',
      buckets: [1, 10, 100, 500, 1000, 2000, 5000],
      registers,
    });
    new Gauge({
      name: 'cm_alerter_lag_events',
      help: 'Stored events after the alerter checkpoint (counted up to 1,000,000)',
      registers,
      // Embedded: events after the stored checkpoint in the store's read order. Distributed:
      // how far the group's most advanced partition is behind the head; 0 once the last
      // stored event was handled (Kafka's consumer lag says the rest).
      async collect() {
        this.set(await source.lag());
      },
    });
  }

  /** Counts one batch the alerter wrote (called inside its transaction). */
  recordBatch({
    events,
    written,
  }: {
    events: readonly StoredEvent[];
    written: readonly WrittenChange[];
  }): void {
    this.events.inc(events.length);
    this.batchEvents.observe(events.length);
    for (const { change, alert } of written) {
      this.changes.inc({ change });
      if (change === 'raised') this.raised.inc({ rule: alert.rule, severity: alert.severity });
    }
    const last = events[events.length - 1];
    this.delay.observe(Math.max(0, Date.now() - new Date(last.recordedAt).getTime()) / 1000);
  }
}
