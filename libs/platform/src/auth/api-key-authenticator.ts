import { timingSafeEqual } from 'node:crypto';
import { ProblemError } from '../http/problem';
import type { ApiKey, Role } from './api-keys';
import { ROLES, sha256 } from './api-keys';

/** Who made a request: the key's name and roles. Set on `request.principal` (see below). */
export interface Principal {
  readonly name: string;
  readonly roles: ReadonlySet<Role>;
}

/**
 * The principal of every request where API_KEYS is unset (open access, loopback only): it may
 * do everything, and what it stores is recorded as by `anonymous`.
 */
export const ANONYMOUS: Principal = Object.freeze({
  name: 'anonymous',
  roles: new Set<Role>(ROLES),
});

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The authenticated caller of a `/v1` route, set before the body is read (see
     * installApiKeyAuthentication); null on public routes and before authentication.
     */
    principal: Principal | null;
  }
}

/**
 * Checks `Authorization: Bearer <key>` against the configured keys: 401 without a valid key,
 * 403 without the role (`admin` may do everything). The presented secret is hashed and its
 * sha256 compared with every key's in constant time, so neither the secret nor which key
 * nearly matched shows in timing, and only hashes are held in memory.
 */
export class ApiKeyAuthenticator {
  constructor(private readonly keys: readonly ApiKey[] | undefined) {}

  /** API_KEYS unset: every request is ANONYMOUS. */
  get open(): boolean {
    return this.keys === undefined;
  }

  /**
   * The principal of the key named `name` (stream tokens carry a key's name, never the
   * secret); undefined when no configured key has that name any more. Open access: ANONYMOUS.
   */
  byName(name: string): Principal | undefined {
    if (!this.keys) return ANONYMOUS;
    const key = this.keys.find((candidate) => candidate.name === name);
    return key ? { name: key.name, roles: key.roles } : undefined;
  }

  authenticate(authorization: string | string[] | undefined, role: Role): Principal {
    if (!this.keys) return ANONYMOUS;
    const match =
      typeof authorization === 'string' ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
    if (!match) {
      throw new ProblemError(
        401,
        'AUTH.UNAUTHENTICATED',
        'Unauthorized',
        'An API key is required: Authorization: Bearer <key>.',
      );
    }
    const presented = sha256(match[1]);
    let found: ApiKey | undefined;
    // Every key is compared, with no early exit, so the time taken does not depend on which.
    for (const key of this.keys) {
      if (timingSafeEqual(key.hash, presented) && !found) found = key;
    }
    if (!found) {
      throw new ProblemError(
        401,
        'AUTH.UNAUTHENTICATED',
        'Unauthorized',
        'The API key is not valid.',
      );
    }
    if (!allows(found.roles, role)) {
      throw new ProblemError(
        403,
        'AUTH.FORBIDDEN',
        'Forbidden',
        `This call needs the "${role}" role.`,
      );
    }
    return { name: found.name, roles: found.roles };
  }
}

export function allows(roles: ReadonlySet<Role>, role: Role): boolean {
  return roles.has(role) || roles.has('admin');
}
