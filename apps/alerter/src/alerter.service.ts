import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CLOCK, Metrics, PG_POOL } from '@cm/platform';
import type { Clock } from '@cm/platform';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Pool } from 'pg';
import { ACTIVE_RULES } from './rules/active-rules.module';
import type { ActiveRules } from './rules/active-rules.module';
import { Alerter } from './alerter';

/** The alerter in a Nest app: started once the app is up, stopped before the pool closes. */
@Injectable()
export class AlerterService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Alerter');
  private readonly alerter: Alerter;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(ACTIVE_RULES) rules: ActiveRules,
    @Inject(CLOCK) clock: Clock,
    metrics: Metrics,
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
    const alerter = (this.alerter = new Alerter({
      pool,
      rules: rules.rules,
      now: () => clock.now(),
      log: (level, message, error) =>
        level === 'error'
          ? this.logger.error({ err: error }, message)
          : level === 'warn'
            ? this.logger.warn(message)
            : this.logger.log(message),
      onBatch: ({ events: batch, written }) => {
        events.inc(batch.length);
        for (const { change, alert } of written) {
          changes.inc({ change });
          if (change === 'raised') raised.inc({ rule: alert.rule, severity: alert.severity });
        }
        const last = batch[batch.length - 1];
        delay.observe(Math.max(0, Date.now() - new Date(last.recordedAt).getTime()) / 1000);
      },
    }));
    new Gauge({
      name: 'cm_alerter_lag_events',
      help: 'Stored events after the alerter checkpoint (counted up to 1,000,000)',
      registers,
      async collect() {
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
    await this.alerter.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.alerter.stop();
  }

  /** For tests and the demo: resolves once the alerter has handled every committed event. */
  waitUntilCaughtUp(position?: number, timeoutMs?: number): Promise<void> {
    return this.alerter.waitUntilCaughtUp(position, timeoutMs);
  }
}
