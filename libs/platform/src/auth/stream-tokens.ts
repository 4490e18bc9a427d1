import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Clock } from '../time/clock';

/** The principal of a request made without API keys configured (open access). */
export const OPEN_ACCESS_PRINCIPAL = 'open-access';

/** What a stream token may be used for; a token says it, so one kind cannot pass for another. */
const SCOPE = 'alerts-stream';

/**
 * The name a key is known by in stream tokens and per-key stream counts. Keys have no names
 * yet: a short digest of the key stands for one (stable for the key, and not the secret).
 * This is the one place to change when keys get names of their own.
 */
export function keyName(key: string): string {
  return `key-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
}

export const ACCEPTS_STREAM_TOKEN = 'cm:accepts-stream-token';

/** The handler also takes `?token=` (a stream token) instead of an Authorization header. */
export const AcceptsStreamToken = (): MethodDecorator => SetMetadata(ACCEPTS_STREAM_TOKEN, true);

const TOKEN_PRINCIPAL = Symbol('streamTokenPrincipal');

/** Who made `request`: the key behind its stream token, its bearer key, or open access. */
export function principalOf(request: FastifyRequest): string {
  const viaToken = (request as unknown as Record<symbol, string | undefined>)[TOKEN_PRINCIPAL];
  if (viaToken !== undefined) return viaToken;
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match ? keyName(match[1]) : OPEN_ACCESS_PRINCIPAL;
}

/** Marks `request` as authenticated by a stream token of `principal` (the guard does this). */
export function authenticatedByToken(request: FastifyRequest, principal: string): void {
  (request as unknown as Record<symbol, string>)[TOKEN_PRINCIPAL] = principal;
}

export type TokenCheck = { ok: true; principal: string } | { ok: false; reason: string };

/**
 * Short-lived tokens for `GET /v1/alerts/stream?token=`, for browsers, whose EventSource
 * cannot send an Authorization header. A token is `<payload>.<HMAC-SHA256>` over the key's
 * name, the scope and the instant after which it may no longer be used to connect (a stream
 * opened before lives on). The secret is made at start-up and never leaves the process: a
 * restart voids every token, so a key removed from API_KEYS (which needs a restart) leaves
 * none usable. A token therefore only works on the process that issued it.
 */
export class StreamTokens {
  private readonly secret = randomBytes(32);

  constructor(
    private readonly clock: Clock,
    private readonly ttlSeconds: number,
  ) {}

  issue(principal: string): { token: string; expiresAt: string } {
    const expires = this.clock.now().getTime() + this.ttlSeconds * 1000;
    const payload = Buffer.from(
      JSON.stringify({
        p: principal,
        s: SCOPE,
        e: expires,
        n: randomBytes(9).toString('base64url'),
      }),
    ).toString('base64url');
    return {
      token: `${payload}.${this.sign(payload)}`,
      expiresAt: new Date(expires).toISOString(),
    };
  }

  verify(token: string): TokenCheck {
    const dot = token.indexOf('.');
    if (dot <= 0 || token.length > 1024) return { ok: false, reason: 'malformed' };
    const payload = token.slice(0, dot);
    const presented = Buffer.from(token.slice(dot + 1));
    const expected = Buffer.from(this.sign(payload));
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      return { ok: false, reason: 'not signed by this server' };
    }
    let claims: { p?: unknown; s?: unknown; e?: unknown };
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (claims.s !== SCOPE || typeof claims.p !== 'string' || typeof claims.e !== 'number') {
      return { ok: false, reason: 'not a stream token' };
    }
    if (this.clock.now().getTime() > claims.e) return { ok: false, reason: 'expired' };
    return { ok: true, principal: claims.p };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(`${SCOPE}.${payload}`).digest('base64url');
  }
}
