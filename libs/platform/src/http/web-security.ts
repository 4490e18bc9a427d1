import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The console's policy: scripts, styles, images and calls from this origin only, no inline
 * script or style markup (the bundle sets styles through the DOM, which CSP allows), no
 * plugins, no framing. Also sent with every API answer, where it costs nothing.
 */
export const CONSOLE_CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  // helmet adds upgrade-insecure-requests by default: on a plain-HTTP host other than
  // localhost it would send the page's own calls to an https port nobody listens on.
  upgradeInsecureRequests: null,
};

/**
 * Swagger UI (at /docs) draws with inline style attributes; its scripts are files of its
 * own, so inline script stays forbidden there too.
 */
const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'self'; " +
  "form-action 'self'; frame-ancestors 'none'";

/**
 * Security headers on every answer (helmet): the strict policy above, and the relaxed style
 * rule for the API docs only. HSTS is left to the TLS proxy in front: this server speaks
 * plain HTTP, where browsers ignore it anyway.
 *
 * The headers do not depend on the request, so helmet runs once, at start-up, and each
 * answer gets the same set. (@fastify/helmet, used before, built helmet's middleware from the
 * options again for every request, CSP parsing included, and ran two hooks a request: a
 * twentieth of the CPU time of a single-report POST.)
 */
export async function registerSecurityHeaders(app: NestFastifyApplication): Promise<void> {
  installSecurityHeaders(app.getHttpAdapter().getInstance());
}

/** As registerSecurityHeaders, on a Fastify instance. */
export function installSecurityHeaders(fastify: FastifyInstance): void {
  const headers = securityHeaders({
    contentSecurityPolicy: { useDefaults: false, directives: CONSOLE_CSP_DIRECTIVES },
    strictTransportSecurity: false,
  });
  const entries = Object.entries(headers);
  const docsEntries = Object.entries({ ...headers, 'content-security-policy': DOCS_CSP });
  // On the raw response, as helmet does: answers written past Fastify (the hijacked alert
  // stream) carry them too.
  fastify.addHook('onRequest', (request, reply, done) => {
    const url = request.url;
    const raw = reply.raw;
    for (const [name, value] of url === '/docs' || url.startsWith('/docs/')
      ? docsEntries
      : entries) {
      raw.setHeader(name, value);
    }
    done();
  });
}

/**
 * The headers helmet sets with `options`, by name in lower case: its middleware run once
 * against a response that only records them. Throws if a directive would depend on the
 * request (helmet then calls a function with it), which these headers cannot follow.
 */
export function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: unknown) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  const noRequest = new Proxy(
    {},
    {
      get() {
        throw new Error('security headers must not depend on the request');
      },
    },
  );
  let failure: Error | undefined;
  helmet(options)(noRequest as never, recorder as never, (error?: unknown) => {
    if (error) failure = error instanceof Error ? error : new Error('helmet failed at start-up');
  });
  if (failure) throw failure;
  return headers;
}

/** Where `npm run build` writes the console (dist/console under the checkout). */
export function consoleBuildDir(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'console');
}

/**
 * The analyst console at GET /: the bundle's few files, each as a route of its own
 * (wildcard off), so every other path still reaches the API's routes and its problem+json
 * 404. Loading the page needs no key; its calls carry the key the person enters.
 */
export async function registerConsole(
  app: NestFastifyApplication,
  root = consoleBuildDir(),
): Promise<void> {
  if (!existsSync(join(root, 'index.html'))) {
    const fastify = app.getHttpAdapter().getInstance();
    fastify.get('/', async (_request, reply) =>
      reply.code(503).type('application/problem+json').send({
        type: 'about:blank',
        title: 'Console not built',
        status: 503,
        detail: 'Run `npm run build`: it writes the console to dist/console.',
      }),
    );
    return;
  }
  await app.register(fastifyStatic as never, {
    root,
    prefix: '/',
    wildcard: false,
    // gzip copies written by the build, sent to browsers that take gzip.
    preCompressed: true,
    // @fastify/static without its wildcard does not route `/` to a precompressed index:
    // the route below does.
    index: false,
    // The bundle's names do not change between builds: revalidate (ETag) on every load.
    cacheControl: true,
    maxAge: 0,
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get('/', async (_request, reply) =>
    (reply as unknown as SendFile).sendFile('index.html'),
  );
}

interface SendFile {
  sendFile(path: string): unknown;
}
