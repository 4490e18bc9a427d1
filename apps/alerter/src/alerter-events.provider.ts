import type { Provider } from '@nestjs/common';
import { chooseEventSource, KAFKA_RUNTIME } from '@cm/messaging';
import type { KafkaRuntime } from '@cm/messaging';
import { logTo, PG_POOL } from '@cm/platform';
import type { Pool } from 'pg';
import { ALERTER_BATCH_SIZE, ALERTER_SUBSCRIPTION } from './alerter';

/** The alerter's EventSource: the mode is chosen here, once. */
export const ALERTER_EVENTS = Symbol('ALERTER_EVENTS');

/**
 * Embedded: the store subscription `alerter`. With KAFKA_BROKERS set: a member of consumer
 * group `alerter` on conflict.reports.v1. Either way in batches of up to ALERTER_BATCH_SIZE.
 */
export const alerterEventsProvider: Provider = {
  provide: ALERTER_EVENTS,
  inject: [PG_POOL, { token: KAFKA_RUNTIME, optional: true }],
  useFactory: (pool: Pool, runtime: KafkaRuntime | null = null) =>
    chooseEventSource({
      pool,
      runtime,
      name: ALERTER_SUBSCRIPTION,
      batchSize: ALERTER_BATCH_SIZE,
      log: logTo('Alerter'),
    }),
};
