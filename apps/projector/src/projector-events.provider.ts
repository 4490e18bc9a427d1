import type { Provider } from '@nestjs/common';
import { chooseEventSource, KAFKA_RUNTIME } from '@cm/messaging';
import type { KafkaRuntime } from '@cm/messaging';
import { logTo, PG_POOL } from '@cm/platform';
import { PROJECTOR_SUBSCRIPTION } from '@cm/read-models';
import type { Pool } from 'pg';
import { waitForNoRebuild } from './rebuild-lock';

/** The projector's EventSource: the mode is chosen here, once. */
export const PROJECTOR_EVENTS = Symbol('PROJECTOR_EVENTS');

/** Events per batch: big enough to amortise the writer's statements, small enough to stay live. */
const BATCH_SIZE = 1000;

/**
 * Embedded: the store subscription `projector` (a rebuild runs that very subscription, so
 * it needs no lock). With KAFKA_BROKERS set: a member of consumer group `projector` on
 * conflict.reports.v1, whose batches wait while a rebuild holds the read models.
 */
export const projectorEventsProvider: Provider = {
  provide: PROJECTOR_EVENTS,
  inject: [PG_POOL, { token: KAFKA_RUNTIME, optional: true }],
  useFactory: (pool: Pool, runtime: KafkaRuntime | null = null) =>
    chooseEventSource({
      pool,
      runtime,
      name: PROJECTOR_SUBSCRIPTION,
      batchSize: BATCH_SIZE,
      beforeBatch: (tx) => waitForNoRebuild(tx),
      log: logTo('Projector'),
    }),
};
