import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ProblemError } from '../http/problem';
import { allows, ApiKeyAuthenticator } from './api-key-authenticator';
import type { Role } from './api-keys';
import { REQUIRED_ROLE } from './roles.decorator';

export const API_KEYS = Symbol('API_KEYS');

/**
 * The role check as Nest sees it. The key is normally checked earlier, in the `onRequest`
 * hook before the body is read (installApiKeyAuthentication), which leaves its principal on
 * the request; the guard then only confirms the role. A request that reached a handler
 * without that hook (an app not made by createHttpApp) is authenticated here.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: ApiKeyAuthenticator,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const role = this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!role) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (request.principal) {
      if (!allows(request.principal.roles, role)) {
        throw new ProblemError(
          403,
          'AUTH.FORBIDDEN',
          'Forbidden',
          `This call needs the "${role}" role.`,
        );
      }
      return true;
    }
    request.principal = this.authenticator.authenticate(request.headers.authorization, role);
    return true;
  }
}
