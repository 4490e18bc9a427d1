import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Role } from './api-keys';
import type { ApiKeyAuthenticator, Principal } from './api-key-authenticator';
import { ANONYMOUS } from './api-key-authenticator';
import type { AuthRouteConfig } from './roles.decorator';

declare module 'fastify' {
  // What RequiresRole puts in a route's config (see AuthRouteConfig).
  interface FastifyContextConfig {
    requiredRole?: Role;
  }
}

/** The role the matched route needs (see RequiresRole); undefined for public routes. */
export function requiredRoleOf(request: FastifyRequest): Role | undefined {
  return (request.routeOptions?.config as AuthRouteConfig | undefined)?.requiredRole;
}

/**
 * Checks the key in an `onRequest` hook, before Fastify reads the body: an unauthenticated
 * client cannot make the server read, buffer and parse a megabyte, and gets 401 (or 403 when
 * the route and its key decide it) whatever it sent. The Nest guard keeps the same semantics
 * and confirms the role later (ApiKeyGuard).
 *
 * Sets `request.principal`: the key's name and roles, or ANONYMOUS where access is open.
 *
 * One exception is left to the guard: a GET without an Authorization header that carries
 * `?token=`, the way a browser's EventSource authenticates to the alert stream. A GET has no
 * body to protect.
 */
export function installApiKeyAuthentication(
  fastify: FastifyInstance,
  authenticator: ApiKeyAuthenticator,
): void {
  fastify.decorateRequest('principal', null);
  // A callback hook: an async one costs a promise and a microtask turn per request.
  fastify.addHook('onRequest', (request, _reply, done) => {
    try {
      authenticate(request, authenticator);
    } catch (error) {
      done(error as Error);
      return;
    }
    done();
  });
}

function authenticate(request: FastifyRequest, authenticator: ApiKeyAuthenticator): void {
  const role = requiredRoleOf(request);
  if (!role) return;
  if (authenticator.open) {
    request.principal = ANONYMOUS;
    return;
  }
  if (
    request.headers.authorization === undefined &&
    request.method === 'GET' &&
    (request.query as Record<string, unknown> | undefined)?.token !== undefined
  ) {
    return;
  }
  request.principal = authenticator.authenticate(request.headers.authorization, role);
}

/** The authenticated caller of a `/v1` request (see installApiKeyAuthentication). */
export function principalOfRequest(request: FastifyRequest): Principal | null {
  return request.principal ?? null;
}
