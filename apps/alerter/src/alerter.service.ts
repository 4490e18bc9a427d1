import { Inject, Injectable, Optional } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CLOCK, logTo, PG_POOL } from '@cm/platform';
import type { Clock } from '@cm/platform';
import type { Pool } from 'pg';
import { TOPICS } from '@cm/contracts';
import type { EventSource } from '@cm/event-store';
import { AlertRelay, KAFKA_RUNTIME, messagingLog } from '@cm/messaging';
import type { KafkaRuntime } from '@cm/messaging';
import { ACTIVE_RULES, ALERTS_CHANNEL } from '@cm/alerts';
import type { ActiveRules } from '@cm/alerts';
import { Alerter } from './alerter';
import { ALERTER_EVENTS } from './alerter-events.provider';
import { AlerterMetrics } from './alerter-metrics';

/**
 * The alerter in a Nest app: started once the app is up, stopped before the pool closes. Its
 * events come from ALERTER_EVENTS (a store subscription, or consumer group `alerter` on
 * conflict.reports.v1 with KAFKA_BROKERS set). In the distributed mode it also relays every
 * alert change to conflict.alerts.v1 (one relay across the group's processes, by an advisory
 * lock).
 */
@Injectable()
export class AlerterService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly alerter: Alerter;
  private readonly alertRelay: AlertRelay | undefined;

  constructor(
    @Inject(PG_POOL) pool: Pool,
    @Inject(ACTIVE_RULES) rules: ActiveRules,
    @Inject(CLOCK) clock: Clock,
    @Inject(ALERTER_EVENTS) source: EventSource,
    metrics: AlerterMetrics,
    @Optional() @Inject(KAFKA_RUNTIME) runtime: KafkaRuntime | null = null,
  ) {
    this.alerter = new Alerter({
      pool,
      rules: rules.rules,
      source,
      now: () => clock.now(),
      log: logTo('Alerter'),
      onBatch: (batch) => metrics.recordBatch(batch),
    });
    if (runtime) {
      this.alertRelay = new AlertRelay({
        pool,
        kafka: runtime.kafka,
        partitions: runtime.partitions(TOPICS.alerts),
        ...runtime.publishing,
        channel: ALERTS_CHANNEL,
        log: messagingLog('AlertRelay'),
      });
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.alerter.start();
    await this.alertRelay?.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.alertRelay?.stop();
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
