import type { ExecutionContext } from '@nestjs/common';
import { createParamDecorator } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ANONYMOUS } from './api-key-authenticator';

/**
 * Who filed what, stored in every event's metadata: the name of the key that made the request
 * (never its secret; `anonymous` where access is open) and the request's id (the client's
 * `x-request-id` when it sent a usable one, else the one the server made; it is in the
 * response's `x-request-id` and in every log line of the request).
 */
export interface Provenance {
  readonly recordedBy: string;
  readonly requestId: string;
}

export function provenanceOf(request: FastifyRequest): Provenance {
  return { recordedBy: (request.principal ?? ANONYMOUS).name, requestId: String(request.id) };
}

/** A handler parameter: the request's Provenance. */
export const RequestProvenance = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Provenance =>
    provenanceOf(context.switchToHttp().getRequest<FastifyRequest>()),
);
