import { Controller, Get, Headers, Logger, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemError, RequiresRole } from '@cm/platform';
import { QueryParamsPipe } from '../http/query-params.pipe';
import { AlertStreamQueryDto } from './alert-query.dto';
import { AlertStreamHub } from './alert-stream.hub';

@ApiTags('alerts')
@ApiBearerAuth()
@Controller('v1/alerts/stream')
export class AlertStreamController {
  private readonly logger = new Logger('AlertStream');

  constructor(private readonly hub: AlertStreamHub) {}

  @Get()
  @RequiresRole('read')
  @ApiOperation({
    summary: 'Alert changes as Server-Sent Events',
    description:
      '`event: alert`, `id` the change’s sequence number (monotonic), `data` the alert JSON after the change. ' +
      'Without Last-Event-ID the stream starts with the next change; with it, it first replays every change after that id. ' +
      'A comment line (`: heartbeat`) comes every 15 s.',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this id' })
  @ApiProduces('text/event-stream')
  @ApiResponse({ status: 200, description: 'text/event-stream' })
  @ApiResponse({ status: 400, description: 'problem+json (RFC 9457)' })
  async stream(
    @Query(QueryParamsPipe) query: AlertStreamQueryDto,
    @Headers('last-event-id') header: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const lastEventId = readLastEventId(header, query.lastEventId);
    // From here on the stream is ours: Fastify neither answers nor times the request out.
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': request.id,
    });
    response.write('retry: 2000\n\n');
    try {
      await this.hub.attach(response, { theatre: query.theatre, lastEventId });
    } catch (error) {
      // Headers are sent: no problem+json any more. End the stream; the client reconnects
      // with its Last-Event-ID (after `retry`) and loses nothing.
      this.logger.warn(`alert stream could not start: ${String(error)}`);
      response.end();
    }
  }
}

/** The header wins over the parameter, as a browser's EventSource sends the header on reconnect. */
function readLastEventId(
  header: string | undefined,
  param: string | undefined,
): number | undefined {
  if (header !== undefined && header.trim() !== '') {
    if (!/^\d{1,15}$/.test(header.trim())) {
      throw ProblemError.validation([
        { path: 'Last-Event-ID', message: 'must be an event id of this stream (a whole number)' },
      ]);
    }
    return Number(header.trim());
  }
  return param === undefined ? undefined : Number(param);
}
