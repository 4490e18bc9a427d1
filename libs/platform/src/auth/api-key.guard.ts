import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { ProblemError } from '../http/problem';
import type { ApiKey, Role } from './api-keys';
import { REQUIRED_ROLE } from './roles.decorator';
import { ACCEPTS_STREAM_TOKEN, authenticatedByToken, keyName, StreamTokens } from './stream-tokens';

export const API_KEYS = Symbol('API_KEYS');

/**
 * `Authorization: Bearer <key>`; 401 without a valid key, 403 without the role. When API_KEYS
 * is unset (undefined) access is open: the server then only listens on loopback.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys:
    readonly { key: Buffer; roles: ReadonlySet<Role>; name: string }[] | undefined;

  constructor(
    private readonly reflector: Reflector,
    @Inject(API_KEYS) apiKeys: readonly ApiKey[] | undefined,
    private readonly streamTokens: StreamTokens,
  ) {
    this.keys = apiKeys?.map((entry) => ({
      key: Buffer.from(entry.key),
      roles: entry.roles,
      name: keyName(entry.key),
    }));
  }

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
      this.reflector.get<boolean | undefined>(ACCEPTS_STREAM_TOKEN, context.getHandler())
    ) {
      return this.byStreamToken(request, token, role);
    }
    if (!this.keys) return true;
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) {
      throw new ProblemError(
        401,
        'AUTH.UNAUTHENTICATED',
        'Unauthorized',
        'An API key is required: Authorization: Bearer <key>.',
      );
    }
    const presented = Buffer.from(match[1]);
    const entry = this.keys.find(
      (candidate) =>
        candidate.key.length === presented.length && timingSafeEqual(candidate.key, presented),
    );
    if (!entry) {
      throw new ProblemError(
        401,
        'AUTH.UNAUTHENTICATED',
        'Unauthorized',
        'The API key is not valid.',
      );
    }
    if (!entry.roles.has(role) && !entry.roles.has('admin')) {
      throw new ProblemError(
        403,
        'AUTH.FORBIDDEN',
        'Forbidden',
        `This call needs the "${role}" role.`,
      );
    }
    return true;
  }

  /**
   * A stream token stands for the key that asked for it, as long as that key is still
   * configured with the role (in open access, anyone's token works, as any request does).
   */
  private byStreamToken(request: FastifyRequest, token: unknown, role: Role): boolean {
    const check =
      typeof token === 'string'
        ? this.streamTokens.verify(token)
        : { ok: false as const, reason: 'malformed' };
    const entry = check.ok ? this.keys?.find((key) => key.name === check.principal) : undefined;
    if (!check.ok || (this.keys && !entry)) {
      throw new ProblemError(
        401,
        'AUTH.UNAUTHENTICATED',
        'Unauthorized',
        `The stream token is not valid (${check.ok ? 'its key is gone' : check.reason}): ` +
          'ask POST /v1/alerts/stream-tokens for a new one.',
      );
    }
    if (entry && !entry.roles.has(role) && !entry.roles.has('admin')) {
      throw new ProblemError(
        403,
        'AUTH.FORBIDDEN',
        'Forbidden',
        `This call needs the "${role}" role.`,
      );
    }
    authenticatedByToken(request, check.principal);
    return true;
  }
}
