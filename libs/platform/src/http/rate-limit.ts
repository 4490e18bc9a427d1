import rateLimit from '@fastify/rate-limit';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { ANONYMOUS } from '../auth/api-key-authenticator';
import { requiredRoleOf } from '../auth/api-key-hook';
import { ProblemError } from './problem';

/**
 * Per-key rate limits on the `/v1` API (@fastify/rate-limit): at most `perMinute` requests in
 * each fixed minute per key name, or per client address where access is open (every caller is
 * `anonymous` there). Past it: 429 problem+json `REQUEST.RATE_LIMITED` with `Retry-After`
 * (seconds until the window ends). Health, metrics and the docs are never limited, so probes
 * and scrapers keep working. The counter runs after authentication (its hook is the route's,
 * which Fastify runs after the app's), so a key is known and an unknown key is already 401.
 * Counts are per process: with several processes each has its own. 0 turns it off.
 */
export async function installRateLimit(
  app: NestFastifyApplication,
  perMinute: number,
): Promise<void> {
  if (perMinute === 0) return;
  await app.register(rateLimit, {
    max: perMinute,
    timeWindow: 60_000,
    hook: 'onRequest',
    allowList: (request: FastifyRequest) => requiredRoleOf(request) === undefined,
    keyGenerator: (request: FastifyRequest) => limitKey(request),
    errorResponseBuilder: (request: FastifyRequest, context: { max: number; after: string }) =>
      new ProblemError(
        429,
        'REQUEST.RATE_LIMITED',
        'Too many requests',
        `More than ${context.max} requests a minute from ${whom(request)}; retry in ${context.after}.`,
      ),
  });
}

function limitKey(request: FastifyRequest): string {
  const principal = request.principal;
  return principal && principal !== ANONYMOUS ? `key:${principal.name}` : `ip:${request.ip}`;
}

function whom(request: FastifyRequest): string {
  const principal = request.principal;
  return principal && principal !== ANONYMOUS ? `the key "${principal.name}"` : 'this address';
}
