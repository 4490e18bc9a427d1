import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ProblemError } from '../http/problem';
import { allows, ApiKeyAuthenticator, type Principal } from './api-key-authenticator';
import type { Role } from './api-keys';
import { REQUIRED_ROLE } from './roles.decorator';
import { ACCEPTS_STREAM_TOKEN, StreamTokens } from './stream-tokens';

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
    private readonly streamTokens: StreamTokens,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const role = this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!role) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const token = (request.query as Record<string, unknown> | undefined)?.token;
    if (
      token !== undefined &&
      request.headers.authorization === undefined &&
      this.reflector.get<boolean | undefined>(ACCEPTS_STREAM_TOKEN, context.getHandler())
    ) {
      request.principal = this.byStreamToken(token, role);
      return true;
    }
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

  /**
   * A stream token stands for the key that asked for it, as long as that key is still
   * configured with the role (in open access, anyone's token works, as any request does).
   */
  private byStreamToken(token: unknown, role: Role): Principal {
    const check =
      typeof token === 'string'
        ? this.streamTokens.verify(token)
        : { ok: false as const, reason: 'malformed' };
    const principal = check.ok ? this.authenticator.byName(check.principal) : undefined;
    if (!check.ok || !principal) {
      throw new ProblemError(
        401,
        'AUTH.UNAUTHENTICATED',
        'Unauthorized',
        `The stream token is not valid (${check.ok ? 'its key is gone' : check.reason}): ` +
          'ask POST /v1/alerts/stream-tokens for a new one.',
      );
    }
    if (!allows(principal.roles, role)) {
      throw new ProblemError(
        403,
        'AUTH.FORBIDDEN',
        'Forbidden',
        `This call needs the "${role}" role.`,
      );
    }
    return principal;
  }
}
