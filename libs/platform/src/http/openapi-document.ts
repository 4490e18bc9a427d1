import type { OpenAPIObject } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from './problem';

type Json = Record<string, unknown>;
interface ResponseObject {
  description?: string;
  content?: unknown;
}

/** RFC 9457 problem details as every error is answered (problem.ts, ProblemDetails). */
export const PROBLEM_SCHEMA: Json = {
  type: 'object',
  description: 'RFC 9457 problem details; `code` is stable (docs/API.md, "Errors")',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string', description: 'A URI naming the problem' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string', example: 'REQUEST.INVALID' },
    instance: { type: 'string', description: 'The request’s path and query' },
    errors: {
      type: 'array',
      description: 'Validation: each field or parameter at fault, by path',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: { path: { type: 'string' }, message: { type: 'string' } },
        additionalProperties: false,
      },
    },
    checks: {
      type: 'object',
      description: 'A failed readiness check: each check’s status (and message), by name',
      additionalProperties: {
        type: 'object',
        required: ['status'],
        properties: { status: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
  additionalProperties: false,
};

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };
const problemContent = () => ({ [PROBLEM_CONTENT_TYPE]: { schema: PROBLEM_REF } });

/** What every /v1 call may answer besides its own statuses. */
const V1_RESPONSES: Record<string, string> = {
  '401': 'No valid API key (AUTH.UNAUTHENTICATED)',
  '403': 'The key lacks the role of the call (AUTH.FORBIDDEN)',
  '429': 'Over RATE_LIMIT_PER_MINUTE (REQUEST.RATE_LIMITED), with Retry-After',
  '503': 'The database cannot be reached (DATABASE.UNAVAILABLE), with Retry-After',
};

/**
 * Completes the document Nest builds from the controllers with what no decorator says:
 * every error answer is problem+json (one Problem schema, also where a library's decorator
 * says otherwise), every /v1 call may answer 401,
 * 403, 429 and 503, any other error is the `default` answer, and GET /metrics (its
 * controller is left out of the scan, as it is no /v1 call) is listed. The e2e client checks every answer against
 * this document.
 */
export function completeOpenApiDocument(document: OpenAPIObject): OpenAPIObject {
  document.components = {
    ...document.components,
    schemas: { ...(document.components?.schemas ?? {}), Problem: PROBLEM_SCHEMA },
  };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const operation of Object.values(item as Json)) {
      const responses = (operation as { responses?: Record<string, ResponseObject> } | null)
        ?.responses;
      if (!responses) continue;
      if (path.startsWith('/v1/')) {
        for (const [status, description] of Object.entries(V1_RESPONSES)) {
          responses[status] ??= { description };
        }
      }
      responses.default ??= { description: 'Any other error: problem+json' };
      // Every error is problem+json (docs/API.md, "Errors"), whatever a library documents
      // (terminus says application/json for the health checks' 503).
      for (const [status, response] of Object.entries(responses)) {
        if (status === 'default' || Number(status) >= 400) response.content = problemContent();
      }
    }
  }
  document.paths['/metrics'] ??= {
    get: {
      operationId: 'metrics',
      summary: 'Prometheus metrics (text exposition format); no key',
      tags: ['operations'],
      responses: {
        '200': {
          description: 'The metrics of this process',
          content: { 'text/plain': { schema: { type: 'string' } } },
        },
        default: { description: 'Any other error: problem+json', content: problemContent() },
      },
    },
  };
  return document;
}
