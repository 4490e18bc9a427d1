import { Injectable } from '@nestjs/common';
import { Metrics } from '@cm/platform';
import { Counter, Gauge } from 'prom-client';

/** The projector's Prometheus metrics, on the process's registry (GET /metrics). */
@Injectable()
export class ProjectorMetrics {
  readonly eventsProjected: Counter;
  readonly lag: Gauge;
  /** Set by the projector: how far behind the head it is, read at each scrape. */
  private measureLag: () => Promise<number | undefined> = async () => undefined;

  constructor(metrics: Metrics) {
    this.eventsProjected = new Counter({
      name: 'cm_projector_events_projected_total',
      help: 'Events the projector has handled (a batch rolled back and retried counts again)',
      registers: [metrics.registry],
    });
    const measure = (): Promise<number | undefined> => this.measureLag();
    this.lag = new Gauge({
      name: 'cm_projector_lag_positions',
      help: 'Events stored after the projector checkpoint in read order, up to 1,000,000 (distributed: positions behind the group)',
      registers: [metrics.registry],
      async collect() {
        const lag = await measure();
        if (lag !== undefined) this.set(lag);
      },
    });
  }

  measureLagWith(measure: () => Promise<number | undefined>): void {
    this.measureLag = measure;
  }
}
