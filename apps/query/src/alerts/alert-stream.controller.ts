import {
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Logger,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiCreatedResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  AcceptsStreamToken,
  ProblemError,
  principalOf,
  RequiresRole,
  StreamTokens,
} from '@cm/platform';
import { QueryParamsPipe } from '../http/query-params.pipe';
import { AlertStreamQueryDto } from './alert-query.dto';
import { ALERT_STREAM_OPTIONS, AlertStreamHub } from './alert-stream.hub';
import type { AlertStreamOptions } from './alert-stream.hub';

/** When a key has all its streams open: a slot frees only when one of them closes. */
const RETRY_AFTER_SECONDS = 10;

@ApiTags('alerts')
@ApiBearerAuth()
@Controller('v1/alerts')
export class AlertStreamController {
  private readonly logger = new Logger('AlertStream');

  constructor(
    private readonly hub: AlertStreamHub,
    private readonly tokens: StreamTokens,
    @Inject(ALERT_STREAM_OPTIONS) private readonly options: AlertStreamOptions,
  ) {}

  @Post('stream-tokens')
  @HttpCode(201)
  @RequiresRole('read')
  @ApiOperation({
    summary: 'A short-lived token to open the alert stream from a browser',
    description:
      'A browser’s EventSource cannot send an Authorization header: open ' +
      '`GET /v1/alerts/stream?token=<token>` instead. The token stands for the calling key, ' +
      'works only there, and must be used before `expiresAt` (ALERTS_STREAM_TOKEN_TTL_SECONDS, ' +
      'default 60 s); a stream opened with it then lives on. Tokens are kept by the process ' +
      'that issued them: a restart voids them all.',
  })
  @ApiCreatedResponse({
    description: 'The token and the instant by which a stream must be opened with it',
    schema: {
      type: 'object',
      required: ['token', 'expiresAt'],
      properties: {
        token: { type: 'string' },
        expiresAt: { type: 'string', format: 'date-time' },
      },
      additionalProperties: false,
    },
  })
  issueToken(@Req() request: FastifyRequest): { token: string; expiresAt: string } {
    return this.tokens.issue(principalOf(request));
  }

  @Get('stream')
  @RequiresRole('read')
  @AcceptsStreamToken()
  @ApiOperation({
    summary: 'Alert changes as Server-Sent Events',
    description:
      '`event: alert`, `id` the change’s sequence number (monotonic), `data` the alert JSON after the change. ' +
      'Without Last-Event-ID the stream starts with the next change; with it, it first replays every change after that id. ' +
      'A comment line (`: heartbeat`) comes every ALERTS_HEARTBEAT_MS (15 s). ' +
      'A client that does not read is cut off once ALERTS_STREAM_BUFFER_BYTES (1 MiB) wait for it, ' +
      'or when it has taken nothing for ALERTS_STREAM_STALL_MS (30 s); it resumes with Last-Event-ID and misses nothing. ' +
      'A key may hold ALERTS_STREAMS_PER_KEY (20) streams; one more is answered 429 STREAM.TOO_MANY.',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this id' })
  @ApiProduces('text/event-stream')
  @ApiResponse({
    status: 200,
    description: 'Server-Sent Events: `event: alert`, `id`, `data` the alert JSON',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  @ApiResponse({ status: 400, description: 'problem+json (RFC 9457)' })
  @ApiResponse({ status: 401, description: 'No key, or a token not valid or expired' })
  @ApiResponse({ status: 429, description: 'The key has all its streams open (Retry-After)' })
  async stream(
    @Query(QueryParamsPipe) query: AlertStreamQueryDto,
    @Headers('last-event-id') header: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const lastEventId = readLastEventId(header, query.lastEventId);
    const release = this.hub.reserve(principalOf(request));
    if (!release) {
      void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      throw new ProblemError(
        429,
        'STREAM.TOO_MANY',
        'Too many requests',
        `This key has ${this.options.streamsPerKey} alert streams open, the most it may ` +
          '(ALERTS_STREAMS_PER_KEY); close one, or retry later.',
      );
    }
    // From here on the stream is ours: Fastify neither answers nor times the request out.
    reply.hijack();
    const response = reply.raw;
    response.once('close', release);
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
