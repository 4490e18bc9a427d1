import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { PG_POOL } from '@cm/platform';
import { startSubscription, type Subscription } from '@cm/event-store';
import { PROJECTOR_SUBSCRIPTION, ReadModelWriter } from '@cm/read-models';
import type { Pool } from 'pg';
import { ProjectorMetrics } from './projector-metrics';

/** Events per batch: big enough to amortise the writer's statements, small enough to stay live. */
const BATCH_SIZE = 1000;

/**
 * Runs the `projector` subscription from application bootstrap to shutdown: each batch of
 * events is written to the read models in the transaction that moves its checkpoint.
 */
@Injectable()
export class ProjectorService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Projector');
  private readonly writer = new ReadModelWriter();
  private subscription: Subscription | undefined;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly metrics: ProjectorMetrics,
  ) {
    metrics.measureLagWith(() => this.lag());
  }

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await startSubscription({
      pool: this.pool,
      name: PROJECTOR_SUBSCRIPTION,
      batchSize: BATCH_SIZE,
      handle: async (events, tx) => {
        await this.writer.apply(tx, events);
        this.metrics.eventsProjected.inc(events.length);
      },
      onError: (error) => this.logger.error(error),
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  /** The subscription in this process, for tests that wait until it caught up. */
  current(): Subscription | undefined {
    return this.subscription;
  }

  /** From the stored checkpoint: right also while another process holds the subscription. */
  private async lag(): Promise<number> {
    const { rows } = await this.pool.query<{ lag: string }>(
      `SELECT greatest(0, coalesce((SELECT max(position) FROM events), 0)
         - coalesce((SELECT position FROM subscription_checkpoints WHERE name = $1), 0))::text AS lag`,
      [PROJECTOR_SUBSCRIPTION],
    );
    return Number(rows[0].lag);
  }
}
