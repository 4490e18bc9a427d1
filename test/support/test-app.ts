import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DestinationStream } from 'pino';
import { MonitorModule } from '../../apps/monitor/src/monitor.module';
import { loadConfig } from '../../libs/platform/src/config/app-config';
import { createHttpApp } from '../../libs/platform/src/http/http-app';
import { contractSchemas } from '@cm/contracts';
import type { Clock } from '../../libs/platform/src/time/clock';
import type { TestDatabase } from './database';
import { createTestDatabase } from './database';
import { expectDocumentedResponse } from './openapi-responses';

export const TEST_KEYS = {
  ingest: 'test-ingest-key',
  read: 'test-read-key',
  admin: 'test-admin-key',
  both: 'test-both-key',
} as const;

export interface TestApp {
  readonly baseUrl: string;
  readonly app: NestFastifyApplication;
  readonly database: TestDatabase;
  close(): Promise<void>;
}

/**
 * The real monitor app on a real database and a real loopback port: e2e tests speak HTTP
 * to it as a client would.
 */
export async function startTestApp(
  options: {
    clock?: Clock;
    openAccess?: boolean;
    /** The distributed mode in one process: relay, consumer groups and alert relay on these. */
    kafkaBrokers?: readonly string[];
    /** More configuration variables, over the ones above (e.g. API_KEYS, RATE_LIMIT_PER_MINUTE). */
    env?: Record<string, string>;
    /** Receives the app's JSON log lines (LOG_LEVEL info); without it the app logs nothing. */
    logStream?: DestinationStream;
  } = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = loadConfig({
    LOG_LEVEL: options.logStream ? 'info' : 'silent',
    DATABASE_URL: database.url,
    HOST: '127.0.0.1',
    ...(options.kafkaBrokers ? { KAFKA_BROKERS: options.kafkaBrokers.join(',') } : {}),
    ...(options.openAccess
      ? {}
      : {
          API_KEYS: [
            `${TEST_KEYS.ingest}:ingest`,
            `${TEST_KEYS.read}:read`,
            `${TEST_KEYS.admin}:admin`,
            `${TEST_KEYS.both}:ingest+read`,
          ].join(','),
        }),
    ...options.env,
  });
  const app = await createHttpApp(
    MonitorModule.register({
      config,
      databaseUrl: database.url,
      serviceName: 'monitor-test',
      clock: options.clock,
      logStream: options.logStream,
    }),
    { title: 'test', logger: false, schemas: contractSchemas(), console: true },
  );
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    app,
    database,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

export interface HttpClientOptions {
  /**
   * Check every answer against the OpenAPI document the server publishes at /docs-json
   * (default true; see openapi-responses.ts). Turn it off only for a server that answers
   * off the contract on purpose (a fault injected between client and app).
   */
  openApi?: boolean;
}

/**
 * A small fetch wrapper: JSON in, status + parsed body + headers out. Every answer is
 * checked against the server's OpenAPI document, so a test that gets an answer the
 * document does not describe fails, whatever it asserts.
 */
export function httpClient(baseUrl: string, key?: string, options: HttpClientOptions = {}) {
  const checked = options.openApi ?? true;
  return async function request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: any; headers: Headers; text: string }> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (checked) {
      await expectDocumentedResponse(baseUrl, {
        method,
        path,
        status: response.status,
        contentType: response.headers.get('content-type'),
        text,
      });
    }
    return { status: response.status, body: parsed, headers: response.headers, text };
  };
}

/**
 * `response` is an RFC 9457 problem of `status` (application/problem+json with its status, a
 * title and a type), and shows no stack trace.
 */
export function expectProblem(
  response: { status: number; headers: Headers; body: any },
  status: number,
): void {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect(response.body).toMatchObject({
    status,
    title: expect.any(String),
    type: expect.any(String),
  });
  expect(JSON.stringify(response.body)).not.toMatch(/at .*\.(ts|js):\d+/);
}
