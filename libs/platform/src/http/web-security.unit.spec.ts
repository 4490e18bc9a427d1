import Fastify from 'fastify';
import { installSecurityHeaders, securityHeaders } from './web-security';

/** What @fastify/helmet 13 (helmet 8) sent with every answer before helmet ran once. */
const EXPECTED = {
  'content-security-policy':
    "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;" +
    "connect-src 'self';font-src 'self';object-src 'none';base-uri 'self';" +
    "form-action 'self';frame-ancestors 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

describe('security headers', () => {
  const app = Fastify();

  beforeAll(async () => {
    installSecurityHeaders(app);
    app.get('/v1/thing', async () => ({ ok: true }));
    app.post('/v1/thing', async (_request, reply) => reply.code(400).send({ bad: true }));
    app.get('/docs/page', async () => 'docs');
    app.get('/v1/stream', (_request, reply) => {
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
      reply.raw.end('retry: 2000\n\n');
    });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
  });

  it('sends the same set with every answer, errors and unknown routes included', async () => {
    for (const request of [
      { method: 'GET' as const, url: '/v1/thing' },
      { method: 'POST' as const, url: '/v1/thing' },
      { method: 'GET' as const, url: '/no-such-route' },
      { method: 'GET' as const, url: '/v1/stream' },
    ]) {
      const response = await app.inject(request);
      for (const [name, value] of Object.entries(EXPECTED)) {
        expect([request.url, name, response.headers[name]]).toEqual([request.url, name, value]);
      }
      expect(response.headers['strict-transport-security']).toBeUndefined();
    }
  });

  it('relaxes the style rule for the API docs only', async () => {
    const response = await app.inject({ method: 'GET', url: '/docs/page' });
    expect(response.headers['content-security-policy']).toContain(
      "style-src 'self' 'unsafe-inline'",
    );
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  it('refuses a policy that would depend on the request', () => {
    expect(() =>
      securityHeaders({
        contentSecurityPolicy: {
          useDefaults: false,
          directives: { defaultSrc: [(request) => String((request as { url: string }).url)] },
        },
      }),
    ).toThrow(/must not depend on the request/);
  });
});
