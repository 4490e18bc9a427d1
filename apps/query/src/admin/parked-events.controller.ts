import { Controller, Get, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  discardParkedEvent,
  findParkedEvent,
  listParkedEvents,
  requestParkedRetry,
  type ParkedEvent,
} from '@cm/event-store';
import { PG_POOL, ProblemError, RequiresRole } from '@cm/platform';
import type { Pool } from 'pg';

/** How long a retry waits for the owning subscriber to handle the event. */
export const PARKED_RETRY_WAIT = Symbol('PARKED_RETRY_WAIT');
const DEFAULT_RETRY_WAIT_MS = 10_000;

const problem = { description: 'problem+json (RFC 9457)' };
const PARKED_SCHEMA = {
  type: 'object',
  properties: {
    subscriber: {
      type: 'string',
      description: 'projector, alerter, report-relay, alert-relay, ...',
    },
    position: { type: 'integer', description: 'The event’s position in the store' },
    eventId: { type: 'string' },
    streamId: { type: 'string' },
    type: { type: 'string' },
    partition: {
      type: 'integer',
      nullable: true,
      description: 'Kafka partition (distributed mode)',
    },
    error: {
      type: 'object',
      properties: {
        message: { type: 'string' },
        code: { type: 'string', nullable: true },
        stack: { type: 'string', nullable: true },
      },
    },
    attempts: { type: 'integer' },
    firstFailedAt: { type: 'string', format: 'date-time' },
    lastFailedAt: { type: 'string', format: 'date-time' },
    parkedAt: { type: 'string', format: 'date-time' },
    retryRequestedAt: { type: 'string', format: 'date-time', nullable: true },
    lastRetryAt: { type: 'string', format: 'date-time', nullable: true },
  },
};

/**
 * Parked events: what subscribers could not handle after bounded retries. Listing, a retry
 * through the owning subscriber's handler, and a discard (the event stays skipped).
 */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('v1/admin/parked')
export class ParkedEventsController {
  private readonly retryWaitMs: number;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PARKED_RETRY_WAIT) retryWaitMs: number | undefined,
  ) {
    this.retryWaitMs = retryWaitMs ?? DEFAULT_RETRY_WAIT_MS;
  }

  @Get()
  @RequiresRole('admin')
  @ApiOperation({
    summary: 'Parked events',
    description:
      'Events a subscriber (projector, alerter, relay, Kafka consumer group) could not handle after bounded retries and moved past. While any is listed, /health/ready answers 503 HEALTH.DEGRADED.',
  })
  @ApiOkResponse({
    schema: { type: 'object', properties: { items: { type: 'array', items: PARKED_SCHEMA } } },
  })
  async list(): Promise<{ items: ParkedEvent[] }> {
    return { items: await listParkedEvents(this.pool) };
  }

  @Post(':subscriber/:position/retry')
  @HttpCode(200)
  @RequiresRole('admin')
  @ApiOperation({
    summary: 'Handle a parked event once more, now',
    description:
      'Asks the process that runs the subscriber to handle the event alone through its handler, and waits up to 10 s for the outcome. 200: handled, the row is deleted. 422: it failed again, the row stays with one more attempt and the new cause. 202: no process of that subscriber took it up in time; the request stays and is served when one runs.',
  })
  @ApiParam({ name: 'subscriber' })
  @ApiParam({ name: 'position', description: 'The event’s position' })
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: {
        outcome: { type: 'string', enum: ['handled', 'pending'] },
        subscriber: { type: 'string' },
        position: { type: 'integer' },
        eventId: { type: 'string' },
      },
    },
  })
  @ApiResponse({ status: 202, description: 'Requested; not yet taken up (outcome: pending)' })
  @ApiResponse({ status: 404, ...problem })
  @ApiResponse({
    status: 422,
    ...problem,
    description: 'The event failed again (PARKED.RETRY_FAILED)',
  })
  async retry(
    @Param('subscriber') subscriber: string,
    @Param('position') rawPosition: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{
    outcome: 'handled' | 'pending';
    subscriber: string;
    position: number;
    eventId: string;
  }> {
    const position = parsePosition(rawPosition);
    const before = await this.found(subscriber, position);
    const requestedAt = await requestParkedRetry(this.pool, subscriber, position);
    if (!requestedAt) throw notFound(subscriber, position);
    const answer = { subscriber, position, eventId: before.eventId };
    const giveUpAt = Date.now() + this.retryWaitMs;
    while (Date.now() < giveUpAt) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const now = await findParkedEvent(this.pool, subscriber, position);
      if (!now) return { outcome: 'handled', ...answer };
      // The subscriber clears the request when it settles it: a row left means it failed.
      if (now.retryRequestedAt === null) {
        throw new ProblemError(
          422,
          'PARKED.RETRY_FAILED',
          'Retry failed',
          `The event at position ${position} (event ${now.eventId}, stream ${now.streamId}, type ${now.type}) failed again in ${subscriber} and stays parked (attempt ${now.attempts}): ${now.error.code ? `[${now.error.code}] ` : ''}${now.error.message}`,
        );
      }
    }
    void reply.status(202);
    return { outcome: 'pending', ...answer };
  }

  @Post(':subscriber/:position/discard')
  @HttpCode(200)
  @RequiresRole('admin')
  @ApiOperation({
    summary: 'Discard a parked event',
    description:
      'Deletes the parked row. The event stays in the store but stays skipped by that subscriber: its read models or alerts will not include it (a read-model rebuild replays it and parks it again if it still fails).',
  })
  @ApiParam({ name: 'subscriber' })
  @ApiParam({ name: 'position', description: 'The event’s position' })
  @ApiOkResponse({ schema: { type: 'object', properties: { discarded: PARKED_SCHEMA } } })
  @ApiResponse({ status: 404, ...problem })
  async discard(
    @Param('subscriber') subscriber: string,
    @Param('position') rawPosition: string,
  ): Promise<{ discarded: ParkedEvent }> {
    const position = parsePosition(rawPosition);
    const row = await this.found(subscriber, position);
    if (!(await discardParkedEvent(this.pool, subscriber, position))) {
      throw notFound(subscriber, position);
    }
    return { discarded: row };
  }

  private async found(subscriber: string, position: number): Promise<ParkedEvent> {
    const row = await findParkedEvent(this.pool, subscriber, position);
    if (!row) throw notFound(subscriber, position);
    return row;
  }
}

function parsePosition(raw: string): number {
  const position = /^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(position)) {
    throw ProblemError.validation(
      [{ path: 'position', message: 'must be a positive integer (an event position)' }],
      'The position is not valid.',
    );
  }
  return position;
}

function notFound(subscriber: string, position: number): ProblemError {
  return ProblemError.notFound(
    'PARKED.NOT_FOUND',
    `No event of subscriber ${subscriber} is parked at position ${position}.`,
  );
}
