import { DynamicModule, Global, Module, RequestMethod } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { ApiKeyAuthenticator } from './auth/api-key-authenticator';
import type { DestinationStream } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import { API_KEYS, ApiKeyGuard } from './auth/api-key.guard';
import type { AppConfig } from './config/app-config';
import { DatabaseModule } from './database/database.module';
import { HealthController } from './health/health.controller';
import { ProblemDetailsFilter } from './http/problem-details.filter';
import { StreamTokens } from './auth/stream-tokens';
import { terminalLogDestination } from './bootstrap/terminal-logs';
import { redactUrl } from './http/redact-url';
import { Metrics, MetricsController } from './metrics/metrics';
import { ParkedEventsGauge } from './parking/parked-events';
import { CLOCK, Clock, systemClock } from './time/clock';

export const APP_CONFIG = Symbol('APP_CONFIG');

export interface PlatformModuleOptions {
  config: AppConfig;
  databaseUrl: string;
  /** Names the process in logs and in pg_stat_activity. */
  serviceName: string;
  clock?: Clock;
  /** Where the JSON logs go (tests capture them); standard output when absent. */
  logStream?: DestinationStream;
}

const QUIET_PATHS = ['/health/live', '/health/ready', '/metrics'];
/** What pino's `redact` writes in place of a censored value. */
const CENSORED = '[Redacted]';

interface SerializedRequest {
  url?: string;
  headers?: Record<string, unknown>;
  query?: unknown;
}

/**
 * A request as logged: the credentials it carries (the Authorization header, a stream token
 * in the URL and in the query) censored. Fields that are absent stay absent.
 */
export function redactRequest(request: SerializedRequest): SerializedRequest {
  const logged: SerializedRequest = { ...request, url: redactUrl(request.url) };
  const { headers, query } = request;
  if (headers && 'authorization' in headers) {
    logged.headers = { ...headers, authorization: CENSORED };
  }
  if (query !== null && typeof query === 'object' && 'token' in query) {
    logged.query = { ...query, token: CENSORED };
  }
  return logged;
}

function withDestination(
  options: PinoHttpOptions,
  destination: DestinationStream | undefined,
): PinoHttpOptions | [PinoHttpOptions, DestinationStream] {
  return destination ? [options, destination] : options;
}

/**
 * What every service shares: configuration, JSON logs with request ids, the database pool,
 * API-key auth, problem+json errors, health and metrics.
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformModuleOptions): DynamicModule {
    const { config } = options;
    const pinoHttp: PinoHttpOptions = {
      level: config.logLevel,
      name: options.serviceName,
      // Fastify has already chosen the id (see createHttpApp); reuse it.
      genReqId: (request: IncomingMessage) =>
        (request as IncomingMessage & { id?: string }).id ?? randomUUID(),
      autoLogging: { ignore: (request) => QUIET_PATHS.includes(request.url ?? '') },
      // Stream tokens travel in the URL (?token=): neither the logged URL nor query shows them.
      // Censored in the serializer every logged `req` goes through, as pino's `redact` of
      // req.headers.authorization and req.query.token did, without its per-request cost
      // (pino-http serializes each request's bindings up front, logged or not).
      serializers: { req: redactRequest },
    };
    return {
      module: PlatformModule,
      imports: [
        LoggerModule.forRoot({
          // nestjs-pino's default route pattern ('{/*splat}') matches nothing under
          // Nest 12's Fastify adapter, so requests went unlogged; this one matches all.
          forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
          pinoHttp: withDestination(pinoHttp, options.logStream ?? terminalLogDestination()),
        }),
        DatabaseModule.forRoot({
          url: options.databaseUrl,
          poolSize: config.databasePoolSize,
          applicationName: options.serviceName,
        }),
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: API_KEYS, useValue: config.apiKeys },
        { provide: ApiKeyAuthenticator, useValue: new ApiKeyAuthenticator(config.apiKeys) },
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        {
          provide: StreamTokens,
          inject: [CLOCK],
          useFactory: (clock: Clock) => new StreamTokens(clock, config.alertStream.tokenTtlSeconds),
        },
        Metrics,
        ParkedEventsGauge,
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
      exports: [
        APP_CONFIG,
        API_KEYS,
        ApiKeyAuthenticator,
        CLOCK,
        Metrics,
        StreamTokens,
        DatabaseModule,
      ],
    };
  }
}
