import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { ProblemError } from '../http/problem';
import type { ApiKey, Role } from './api-keys';
import { REQUIRED_ROLE } from './roles.decorator';

export const API_KEYS = Symbol('API_KEYS');

/**
 * `Authorization: Bearer <key>`; 401 without a valid key, 403 without the role. When API_KEYS
 * is unset (undefined) access is open: the server then only listens on loopback.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: readonly { key: Buffer; roles: ReadonlySet<Role> }[] | undefined;

  constructor(
    private readonly reflector: Reflector,
    @Inject(API_KEYS) apiKeys: readonly ApiKey[] | undefined,
  ) {
    this.keys = apiKeys?.map((entry) => ({ key: Buffer.from(entry.key), roles: entry.roles }));
  }

  canActivate(context: ExecutionContext): boolean {
    const role = this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!role || !this.keys) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
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
}
