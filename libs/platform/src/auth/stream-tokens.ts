import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Clock } from '../time/clock';
import { ANONYMOUS } from './api-key-authenticator';

/** What a stream token may be used for; a token says it, so one kind cannot pass for another. */
const SCOPE = 'alerts-stream';

export const ACCEPTS_STREAM_TOKEN = 'cm:accepts-stream-token';

/** The handler also takes `?token=` (a stream token) instead of an Authorization header. */
export const AcceptsStreamToken = (): MethodDecorator => SetMetadata(ACCEPTS_STREAM_TOKEN, true);

/**
 * Who made `request`: the key's name (behind its bearer key or its stream token, both set on
 * `request.principal` before the handler runs), or `anonymous` in open access.
 */
export function principalOf(request: FastifyRequest): string {
  return request.principal?.name ?? ANONYMOUS.name;
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
