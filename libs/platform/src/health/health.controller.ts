import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Pool } from 'pg';
import { PG_POOL } from '../database/database.module';

/** A readiness check other modules can add (Kafka in distributed mode). */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}
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

  /** It can serve: the database answers (and Kafka, where configured). */
  @Get('ready')
  @HealthCheck()
  ready() {
    const checks = [{ name: 'database', check: () => this.pingDatabase() }, ...this.extraChecks];
    return this.health.check(
      checks.map((entry) => async () => {
        const session = this.indicators.check(entry.name);
        try {
          await entry.check();
          return session.up();
        } catch (error) {
          return session.down({ message: error instanceof Error ? error.message : String(error) });
        }
      }),
    );
  }

  private async pingDatabase(): Promise<void> {
    await this.pool.query('SELECT 1');
  }
}
