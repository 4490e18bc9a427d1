import { applyDecorators, SetMetadata } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { Role } from './api-keys';

export const REQUIRED_ROLE = 'cm:required-role';

/** The Fastify route config that carries a handler's role to the hook that checks keys. */
export interface AuthRouteConfig {
  requiredRole?: Role;
}

/**
 * The role a `/v1` handler needs; handlers without it (health, metrics, docs) are public.
 *
 * A method decorator only: the role also goes into the Fastify route's config, where the
 * `onRequest` hook reads it to check the key before the body is read, and Fastify only takes
 * route config from the handler. (Nest's Reflector metadata stays for the guard.)
 */
export const RequiresRole = (role: Role): MethodDecorator =>
  applyDecorators(
    SetMetadata(REQUIRED_ROLE, role),
    RouteConfig({ requiredRole: role } satisfies AuthRouteConfig),
  );
