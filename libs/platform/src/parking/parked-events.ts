import { Inject, Injectable } from '@nestjs/common';
import { countParkedEvents } from '@cm/event-store';
import type { Pool } from 'pg';
import { Gauge } from 'prom-client';
import { PG_POOL } from '../database/database.module';
import { Metrics } from '../metrics/metrics';

/**
 * `cm_parked_events{subscriber}`: events parked per subscriber, read from parked_events at
 * each scrape, so every process reports the same figure whichever subscriber parked them. A
 * subscriber whose events were all settled stays in the output at 0 (an alert can resolve).
 */
@Injectable()
export class ParkedEventsGauge {
  constructor(metrics: Metrics, @Inject(PG_POOL) pool: Pool) {
    const seen = new Set<string>();
    new Gauge({
      name: 'cm_parked_events',
      help: 'Events a subscriber could not handle after bounded retries and parked (see GET /v1/admin/parked)',
      labelNames: ['subscriber'] as const,
      registers: [metrics.registry],
      async collect() {
        const counts = await countParkedEvents(pool);
        for (const subscriber of counts.keys()) seen.add(subscriber);
        for (const subscriber of seen) this.set({ subscriber }, counts.get(subscriber) ?? 0);
      },
    });
  }
}
