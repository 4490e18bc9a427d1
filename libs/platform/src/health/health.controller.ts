import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Pool } from 'pg';
import { PG_POOL } from '../database/database.module';
import { ProblemError } from '../http/problem';

/**
 * A readiness check other modules can add (Kafka in distributed mode). A check that fails with
 * an error carrying a problem code (`code`, e.g. KAFKA.CONSUMER_CRASHED) makes /health/ready
 * answer 503 with that code and the error's message, when every other check is up.
 */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

/** A problem code as the API uses them: `AREA.WHAT`. */
const PROBLEM_CODE = /^[A-Z][A-Z0-9]*\.[A-Z][A-Z0-9_]*$/;
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Optional() @Inject(READINESS_CHECKS) private readonly extraChecks: ReadinessCheck[] = [],
  ) {}

  /** The process is up and its event loop answers. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([async () => this.indicators.check('process').up()]);
  }

  /**
   * It can serve: the database answers (and Kafka, where configured). While any event is
   * parked it answers 503 HEALTH.DEGRADED naming the subscribers and positions: the monitor
   * runs, but some events are not in the read models or alerts until someone settles them.
   */
  @Get('ready')
  @HealthCheck()
  async ready() {
    const result = await this.checkDependencies();
    const parked = await this.parkedEvents().catch((error: unknown) => {
      throw new ProblemError(
        503,
        'HEALTH.NOT_READY',
        'Service unavailable',
        `Not ready: parked events could not be read (${error instanceof Error ? error.message : String(error)}).`,
      );
    });
    if (parked.total > 0) {
      const named = parked.rows
        .map(
          (row) =>
            `${row.subscriber} at position ${row.position} (event ${row.event_id}, stream ${row.stream_id}, type ${row.type})`,
        )
        .join('; ');
      const more =
        parked.total > parked.rows.length ? ` and ${parked.total - parked.rows.length} more` : '';
      throw new ProblemError(
        503,
        'HEALTH.DEGRADED',
        'Degraded',
        `${parked.total} parked event(s) need attention (GET /v1/admin/parked): ${named}${more}.`,
      );
    }
    return result;
  }

  private async parkedEvents(): Promise<{
    total: number;
    rows: {
      subscriber: string;
      position: string;
      event_id: string;
      stream_id: string;
      type: string;
    }[];
  }> {
    const { rows } = await this.pool.query<{
      subscriber: string;
      position: string;
      event_id: string;
      stream_id: string;
      type: string;
      total: string;
    }>(
      `SELECT subscriber, position::text AS position, event_id, stream_id, type,
              count(*) OVER ()::text AS total
       FROM parked_events ORDER BY parked_at, subscriber, position LIMIT 10`,
    );
    return { total: Number(rows[0]?.total ?? 0), rows };
  }

  private async checkDependencies() {
    const checks = [{ name: 'database', check: () => this.pingDatabase() }, ...this.extraChecks];
    const coded: ProblemError[] = [];
    let uncodedDown = false;
    try {
      return await this.health.check(
        checks.map((entry) => async () => {
          const session = this.indicators.check(entry.name);
          try {
            await entry.check();
            return session.up();
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            const code = (error as { code?: unknown } | null)?.code;
            if (typeof code === 'string' && PROBLEM_CODE.test(code)) {
              coded.push(
                new ProblemError(503, code, 'Service unavailable', `Not ready: ${message}`),
              );
            } else {
              uncodedDown = true;
            }
            return session.down({ message });
          }
        }),
      );
    } catch (error) {
      // A named cause (a crashed consumer, a stuck partition) when it is the only one.
      if (!uncodedDown && coded.length > 0) throw coded[0];
      throw error;
    }
  }

  private async pingDatabase(): Promise<void> {
    await this.pool.query('SELECT 1');
  }
}
