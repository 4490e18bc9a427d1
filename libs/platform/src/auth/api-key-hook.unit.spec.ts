import type { FastifyInstance, FastifyRequest } from 'fastify';
import Fastify from 'fastify';
import { ProblemError } from '../http/problem';
import { ApiKeyAuthenticator } from './api-key-authenticator';
import { installApiKeyAuthentication } from './api-key-hook';
import { parseApiKeys } from './api-keys';

/**
 * The onRequest hook on a bare Fastify (inject, no socket): what it decides before any body
 * is read, and what it leaves on the request.
 */
describe('installApiKeyAuthentication', () => {
  let app: FastifyInstance;
  let bodiesRead = 0;

  const build = async (apiKeys: string | undefined) => {
    const parsed = apiKeys === undefined ? undefined : parseApiKeys(apiKeys);
    app = Fastify();
    installApiKeyAuthentication(app, new ApiKeyAuthenticator(parsed?.ok ? parsed.keys : undefined));
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      bodiesRead += 1;
      done(null, body);
    });
    app.setErrorHandler((error, _request, reply) => {
      const status = error instanceof ProblemError ? error.status : 500;
      void reply.status(status).send({ status });
    });
    const principal = async (request: FastifyRequest) => ({
      principal: request.principal && {
        name: request.principal.name,
        roles: [...request.principal.roles],
      },
    });
    app.post('/v1/reports', { config: { requiredRole: 'ingest' } }, principal);
    app.get('/v1/alerts/stream', { config: { requiredRole: 'read' } }, principal);
    app.get('/health/live', principal);
    await app.ready();
  };
  afterEach(async () => {
    await app?.close();
  });

  const post = (authorization?: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/reports',
      headers: {
        'content-type': 'application/json',
        ...(authorization ? { authorization } : {}),
      },
      payload: '{"reportId": "x"}',
    });

  it('answers 401 and 403 without reading the body', async () => {
    await build('feeds=feeds-secret-1:ingest,dash=dash-secret-01:read');
    bodiesRead = 0;
    expect((await post()).statusCode).toBe(401);
    expect((await post('Bearer wrong-secret-1')).statusCode).toBe(401);
    expect((await post('Bearer dash-secret-01')).statusCode).toBe(403);
    expect(bodiesRead).toBe(0);
    const accepted = await post('Bearer feeds-secret-1');
    expect(accepted.json()).toEqual({ principal: { name: 'feeds', roles: ['ingest'] } });
    expect(bodiesRead).toBe(1);
  });

  it('leaves public routes alone, with no principal', async () => {
    await build('feeds=feeds-secret-1:ingest');
    const health = await app.inject({ method: 'GET', url: '/health/live' });
    expect(health.json()).toEqual({ principal: null });
  });

  it('leaves a GET with ?token= and no Authorization to the handler’s guard (stream tokens)', async () => {
    await build('feeds=feeds-secret-1:ingest');
    const byToken = await app.inject({ method: 'GET', url: '/v1/alerts/stream?token=abc' });
    expect(byToken.statusCode).toBe(200);
    expect(byToken.json()).toEqual({ principal: null });
    const bySomeHeader = await app.inject({
      method: 'GET',
      url: '/v1/alerts/stream?token=abc',
      headers: { authorization: 'Bearer wrong-secret-1' },
    });
    expect(bySomeHeader.statusCode).toBe(401);
  });

  it('makes everyone anonymous where access is open', async () => {
    await build(undefined);
    expect((await post()).json()).toEqual({
      principal: { name: 'anonymous', roles: ['ingest', 'read', 'admin'] },
    });
  });
});
