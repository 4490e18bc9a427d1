import { Inject, Injectable, Optional } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CLOCK, logTo, Metrics, PG_POOL } from '@cm/platform';
import type { Clock } from '@cm/platform';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Pool } from 'pg';
import { TOPICS } from '@cm/contracts';
import { AlertRelay, groupLag, KAFKA_RUNTIME, messagingLog } from '@cm/messaging';
import type { KafkaRuntime } from '@cm/messaging';
import { ALERTER_GROUP, KafkaAlerter } from './kafka-alerter';
import { ACTIVE_RULES, ALERTS_CHANNEL } from '@cm/alerts';
import type { ActiveRules } from '@cm/alerts';
import { Alerter } from './alerter';
import type { AlerterOptions } from './alerter';

/**
 * The alerter in a Nest app: started once the app is up, stopped before the pool closes. In
 * the embedded mode a store subscription feeds it; with KAFKA_BROKERS set it is a member of
 * consumer group `alerter` on conflict.reports.v1 and also relays every alert change to
 * conflict.alerts.v1 (one relay across the group's processes, by an advisory lock).
 */
@Injectable()
export class AlerterService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly alerter: Alerter;
  private readonly kafkaAlerter: KafkaAlerter | undefined;
  private readonly alertRelay: AlertRelay | undefined;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(ACTIVE_RULES) rules: ActiveRules,
    @Inject(CLOCK) clock: Clock,
    metrics: Metrics,
    @Optional() @Inject(KAFKA_RUNTIME) runtime: KafkaRuntime | null = null,
  ) {
    const registers = [metrics.registry];
    const events = new Counter({
      name: 'cm_alerter_events_total',
      help: 'Stored events the alerter has handled',
      registers,
    });
    const raised = new Counter({
      name: 'cm_alerts_raised_total',
      help: 'Alerts raised, by rule and severity',
      labelNames: ['rule', 'severity'] as const,
      registers,
    });
    const changes = new Counter({
      name: 'cm_alert_changes_total',
      help: 'Alert changes journaled by the alerter (raised, updated, resolved)',
      labelNames: ['change'] as const,
      registers,
    });
    const delay = new Histogram({
      name: 'cm_alerter_delay_seconds',
      help: 'From an event being stored to the alerter handling it (last event of each batch)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    const log = logTo('Alerter');
    const onBatch: AlerterOptions['onBatch'] = ({ events: batch, written }) => {
      events.inc(batch.length);
      for (const { change, alert } of written) {
        changes.inc({ change });
        if (change === 'raised') raised.inc({ rule: alert.rule, severity: alert.severity });
      }
      const last = batch[batch.length - 1];
      delay.observe(Math.max(0, Date.now() - new Date(last.recordedAt).getTime()) / 1000);
    };
    if (runtime) {
      this.kafkaAlerter = new KafkaAlerter({
        pool,
        runtime,
        rules: rules.rules,
        now: () => clock.now(),
        log,
        onBatch,
      });
      this.alertRelay = new AlertRelay({
        pool,
        kafka: runtime.kafka,
        partitions: runtime.partitions(TOPICS.alerts),
        ...runtime.publishing,
        channel: ALERTS_CHANNEL,
        log: messagingLog('AlertRelay'),
      });
    }
    const alerter = (this.alerter = new Alerter({
      pool,
      rules: rules.rules,
      now: () => clock.now(),
      log,
      onBatch,
    }));
    new Gauge({
      name: 'cm_alerter_lag_events',
      help: 'Stored events after the alerter checkpoint (counted up to 1,000,000)',
      registers,
      async collect() {
        if (runtime) {
          // Distributed: how far the group's most advanced partition is behind the head; 0
          // once the last stored event was handled (Kafka's consumer lag says the rest).
          this.set(await groupLag(pool, ALERTER_GROUP));
          return;
        }
        // In the store's read order (transaction id, position): a position alone can stay
        // behind the head when transactions committed out of position order.
        const { position, transactionId } = alerter.checkpoint();
        const { rows } = await pool.query<{ lag: string }>(
          `SELECT count(*)::text AS lag FROM (
             SELECT 1 FROM events WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
             LIMIT 1000000) AS behind`,
          [transactionId, position],
        );
        this.set(Number(rows[0].lag));
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.kafkaAlerter) {
      await this.kafkaAlerter.start();
      await this.alertRelay?.start();
      return;
    }
    await this.alerter.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.alertRelay?.stop();
    await this.kafkaAlerter?.stop();
    await this.alerter.stop();
  }

  /** Distributed mode: the relay of alert changes to conflict.alerts.v1 (tests wait on it). */
  relay(): AlertRelay | undefined {
    return this.alertRelay;
  }

  /** For tests and the demo: resolves once the alerter has handled every committed event. */
  waitUntilCaughtUp(position?: number, timeoutMs?: number): Promise<void> {
    return this.alerter.waitUntilCaughtUp(position, timeoutMs);
  }
}
