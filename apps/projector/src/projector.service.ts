import {
  Inject,
  Injectable,
  OnApplicationBootstrap,
  OnModuleDestroy,
  Optional,
} from '@nestjs/common';
import { KAFKA_RUNTIME, ReportConsumer } from '@cm/messaging';
import type { KafkaRuntime } from '@cm/messaging';
import { logTo, PG_POOL } from '@cm/platform';
import { startSubscription, subscriptionLogging, type Subscription } from '@cm/event-store';
import { PROJECTOR_SUBSCRIPTION, ReadModelWriter } from '@cm/read-models';
import type { Pool } from 'pg';
import { ProjectorMetrics } from './projector-metrics';
import { groupLag } from '@cm/messaging';
import { PROJECTOR_GROUP, waitForNoRebuild } from './rebuild-lock';

export { PROJECTOR_GROUP };

/** Events per batch: big enough to amortise the writer's statements, small enough to stay live. */
const BATCH_SIZE = 1000;

/**
 * Runs the projector from application bootstrap to shutdown: each batch of events is written to
 * the read models in the transaction that records how far it got. In the embedded mode that is
 * the `projector` store subscription and its checkpoint; with KAFKA_BROKERS set, a member of
 * consumer group `projector` on conflict.reports.v1 and its per-partition progress. A partition
 * holds whole theatres, and every read-model row belongs to one theatre, so partitions project
 * independently of each other.
 */
@Injectable()
export class ProjectorService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = logTo('Projector');
  private readonly writer = new ReadModelWriter();
  private subscription: Subscription | undefined;
  private consumer: ReportConsumer | undefined;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly metrics: ProjectorMetrics,
    @Optional() @Inject(KAFKA_RUNTIME) private readonly runtime: KafkaRuntime | null = null,
  ) {
    metrics.measureLagWith(() => this.lag());
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.runtime) {
      this.consumer = new ReportConsumer({
        kafka: this.runtime.kafka,
        pool: this.pool,
        groupId: PROJECTOR_GROUP,
        chunkSize: BATCH_SIZE,
        beforeBatch: (tx) => waitForNoRebuild(tx),
        handle: async ({ events, tx }) => {
          await this.writer.apply(tx, events);
          // The writer commits asynchronously, which is safe when the checkpoint lives only
          // in this database. Here Kafka's offset is committed once the commit returns: a
          // commit lost in a PostgreSQL crash would then never be redelivered. Wait for it.
          await tx.query('SET LOCAL synchronous_commit TO ON');
          this.metrics.eventsProjected.inc(events.length);
        },
        log: this.log,
      });
      await this.consumer.start();
      return;
    }
    this.subscription = await startSubscription({
      pool: this.pool,
      name: PROJECTOR_SUBSCRIPTION,
      batchSize: BATCH_SIZE,
      handle: async (events, tx) => {
        await this.writer.apply(tx, events);
        this.metrics.eventsProjected.inc(events.length);
      },
      ...subscriptionLogging(this.log),
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = undefined;
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  /** The subscription in this process, for tests that wait until it caught up. */
  current(): Subscription | undefined {
    return this.subscription;
  }

  /** From the stored checkpoint: right also while another process holds the subscription. */
  private async lag(): Promise<number> {
    if (this.runtime) return groupLag(this.pool, PROJECTOR_GROUP);
    const { rows } = await this.pool.query<{ lag: string }>(
      `SELECT greatest(0, coalesce((SELECT max(position) FROM events), 0)
         - coalesce((SELECT position FROM subscription_checkpoints WHERE name = $1), 0))::text AS lag`,
      [PROJECTOR_SUBSCRIPTION],
    );
    return Number(rows[0].lag);
  }
}
