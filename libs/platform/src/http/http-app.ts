import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'nestjs-pino';
import { ApiKeyAuthenticator } from '../auth/api-key-authenticator';
import { QuietStartupLogger } from '../bootstrap/terminal-logs';
import { installApiKeyAuthentication } from '../auth/api-key-hook';
import type { AppConfig } from '../config/app-config';
import { Metrics } from '../metrics/metrics';
import { APP_CONFIG } from '../platform.module';
import { completeOpenApiDocument } from './openapi-document';
import { installRateLimit } from './rate-limit';
import {
  refuseNonJsonBodies,
  refuseUnstorableUrlText,
  sendFrameworkError,
  writeClientErrorProblem,
} from './framework-errors';
import { BODY_LIMIT_BYTES, MAX_PARAM_LENGTH } from './http-limits';
import { registerConsole, registerSecurityHeaders } from './web-security';

export { BODY_LIMIT_BYTES, MAX_PARAM_LENGTH } from './http-limits';

type SecurityHook = (request: unknown, response: unknown) => void;

export interface HttpAppOptions {
  title: string;
  description?: string;
  /** OpenAPI schemas of request and response bodies, keyed by name (e.g. from @cm/contracts). */
  schemas?: Record<string, object>;
  /** Keep Nest's own logs (tests turn them off). */
  logger?: boolean;
  /** Serve the analyst console at GET / (the monitor and the query service do). */
  console?: boolean;
}

/**
 * Fastify, because on NestJS it serves about twice Express's requests per second, and the
 * ingest targets are in thousands per second on two cores.
 */
export async function createHttpApp(
  rootModule: Type | DynamicModule,
  options: HttpAppOptions,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    // One id per request for Fastify, the JSON logs, the client (x-request-id both ways) and
    // the stored events' metadata.requestId: the client's header when sent and usable, else a
    // UUID; an onRequest hook hands it to pino-http.
    requestIdHeader: false,
    genReqId: (request: IncomingMessage) =>
      clientRequestId(request.headers['x-request-id']) ?? randomUUID(),
    // The problem+json filter answers every error, Fastify's own (bad JSON, 413) included.
    return503OnClosing: true,
    // Ids of up to 128 characters (and room for composite ones) must reach their routes.
    // (a router option: Fastify 5 warns, FSTDEP022, when it is given at the top level)
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Answered before Nest's filter can see them: problem+json all the same. This replaces
    // the adapter's own handler, which first runs Nest's security-header hook (when a
    // security feature is enabled): it still does, through the adapter.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      try {
        (adapter as unknown as { securityHook?: SecurityHook }).securityHook?.(request, reply.raw);
      } catch {
        // The request is refused either way.
      }
      sendFrameworkError(error, request, reply);
    },
    clientErrorHandler: writeClientErrorProblem,
  });
  const app = await NestFactory.create<NestFastifyApplication>(rootModule, adapter, {
    bufferLogs: options.logger !== false,
    logger: options.logger === false ? false : undefined,
    // A failed start-up must reach runService, which says why in one sentence; Nest's
    // default prints the error with its stack and exits by itself.
    abortOnError: false,
  });
  if (options.logger !== false) app.useLogger(new QuietStartupLogger(app.get(Logger)));
  observeRequestDurations(app);
  // After the request id hook, so that a 401 carries x-request-id too.
  installApiKeyAuthentication(app.getHttpAdapter().getInstance(), app.get(ApiKeyAuthenticator));
  await installRateLimit(app, app.get<AppConfig>(APP_CONFIG).rateLimitPerMinute);
  const fastify = app.getHttpAdapter().getInstance();
  // Callback hooks, here and below: an async hook costs a promise and a turn of the
  // microtask queue per request, which the single-report POST path notices.
  fastify.addHook('onRequest', (request, _reply, done) => {
    try {
      refuseUnstorableUrlText(request);
      refuseNonJsonBodies(request);
    } catch (error) {
      done(error as Error);
      return;
    }
    done();
  });
  await registerSecurityHeaders(app);
  if (options.console) await registerConsole(app);

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(options.title)
      .setDescription(options.description ?? '')
      .setVersion('1')
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        // Nest's default says JWT; ours are opaque keys from API_KEYS.
        bearerFormat: 'API key',
        description: 'An API key from API_KEYS',
      })
      .build(),
  );
  document.components = {
    ...document.components,
    schemas: { ...(document.components?.schemas ?? {}), ...(options.schemas ?? {}) },
  };
  SwaggerModule.setup('docs', app, completeOpenApiDocument(document), {
    jsonDocumentUrl: 'docs-json',
  });
  return app;
}

/**
 * The client's x-request-id, if it is one visible-ASCII token of at most 128 characters: it is
 * stored with every event the request writes, so an arbitrary header is not taken as is.
 */
function clientRequestId(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && /^[\x21-\x7e]{1,128}$/.test(header) ? header : undefined;
}

function observeRequestDurations(app: NestFastifyApplication): void {
  const metrics = app.get(Metrics);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    (request.raw as { id?: string }).id = request.id;
    void reply.header('x-request-id', request.id);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.httpRequestDuration.observe(
      {
        method: request.method,
        route: request.routeOptions?.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });
}
