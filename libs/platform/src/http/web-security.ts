import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
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
 * Security headers on every answer (@fastify/helmet): the strict policy above, and the
 * relaxed style rule for the API docs only. HSTS is left to the TLS proxy in front: this
 * server speaks plain HTTP, where browsers ignore it anyway.
 */
export async function registerSecurityHeaders(app: NestFastifyApplication): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CONSOLE_CSP_DIRECTIVES },
    strictTransportSecurity: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request, reply) => {
    if (request.url === '/docs' || request.url.startsWith('/docs/')) {
      void reply.header('content-security-policy', DOCS_CSP);
    }
  });
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
