import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { StoreEventSource } from '@cm/event-store';
import type { EventBatch, EventSource, Subscription } from '@cm/event-store';
import { ReadModelWriter } from '@cm/read-models';
import { PROJECTOR_EVENTS } from './projector-events.provider';
import { ProjectorMetrics } from './projector-metrics';
import { PROJECTOR_GROUP } from './rebuild-lock';

export { PROJECTOR_GROUP };

/**
 * Runs the projector from application bootstrap to shutdown: each batch of events is written to
 * the read models in the transaction that records how far it got. The events come from
 * PROJECTOR_EVENTS: the `projector` store subscription and its checkpoint, or with
 * KAFKA_BROKERS set a member of consumer group `projector` and its per-partition progress. A
 * partition holds whole theatres, and every read-model row belongs to one theatre, so
 * partitions project independently of each other.
 */
@Injectable()
export class ProjectorService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly writer = new ReadModelWriter();

  constructor(
    @Inject(PROJECTOR_EVENTS) private readonly source: EventSource,
    private readonly metrics: ProjectorMetrics,
  ) {
    metrics.measureLagWith(() => source.lag());
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.source.start({ handle: (batch) => this.project(batch) });
  }

  async onModuleDestroy(): Promise<void> {
    await this.source.stop();
  }

  /** The store subscription in this process (embedded mode), for tests that wait on it. */
  current(): Subscription | undefined {
    return this.source instanceof StoreEventSource ? this.source.current() : undefined;
  }

  private async project({ events, tx }: EventBatch): Promise<void> {
    await this.writer.apply(tx, events);
    this.metrics.eventsProjected.inc(events.length);
  }
}
