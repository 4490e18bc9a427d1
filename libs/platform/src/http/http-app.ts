import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { Logger } from 'nestjs-pino';
import { Metrics } from '../metrics/metrics';

export const BODY_LIMIT_BYTES = 1024 * 1024;

export interface HttpAppOptions {
  title: string;
  description?: string;
  /** OpenAPI schemas of request and response bodies, keyed by name (e.g. from @cm/contracts). */
  schemas?: Record<string, object>;
  /** Keep Nest's own logs (tests turn them off). */
  logger?: boolean;
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
    // One id per request for Fastify, the JSON logs and the client (x-request-id both ways):
    // the client's header when sent, else a UUID; an onRequest hook hands it to pino-http.
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // The problem+json filter answers every error, Fastify's own (bad JSON, 413) included.
    return503OnClosing: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(rootModule, adapter, {
    bufferLogs: options.logger !== false,
    logger: options.logger === false ? false : undefined,
    // A failed start-up must reach runService, which says why in one sentence; Nest's
    // default prints the error with its stack and exits by itself.
    abortOnError: false,
  });
  if (options.logger !== false) app.useLogger(app.get(Logger));
  observeRequestDurations(app);

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(options.title)
      .setDescription(options.description ?? '')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key from API_KEYS' })
      .build(),
  );
  document.components = {
    ...document.components,
    schemas: { ...(document.components?.schemas ?? {}), ...(options.schemas ?? {}) },
  };
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}

function observeRequestDurations(app: NestFastifyApplication): void {
  const metrics = app.get(Metrics);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request, reply) => {
    (request.raw as { id?: string }).id = request.id;
    void reply.header('x-request-id', request.id);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    metrics.httpRequestDuration.observe(
      {
        method: request.method,
        route: request.routeOptions?.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
}
