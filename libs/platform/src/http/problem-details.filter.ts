import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { redactUrl } from './redact-url';
import { PROBLEM_CONTENT_TYPE, ProblemDetails, ProblemError, problemTypeUri } from './problem';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  406: 'Not acceptable',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  429: 'Too many requests',
  500: 'Internal server error',
  503: 'Service unavailable',
};

const CODES: Record<number, string> = {
  400: 'REQUEST.BAD',
  401: 'AUTH.UNAUTHENTICATED',
  403: 'AUTH.FORBIDDEN',
  404: 'ROUTE.NOT_FOUND',
  405: 'ROUTE.METHOD_NOT_ALLOWED',
  409: 'REQUEST.CONFLICT',
  413: 'REQUEST.TOO_LARGE',
  415: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

/** Fastify's own errors (body parsing, size limit) carry a statusCode and a FST_ code. */
interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
}

/**
 * The one place where errors become HTTP answers: RFC 9457 problem+json, stable codes,
 * field paths for validation, never a stack trace. Unknown errors are logged and become 500.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  catch(exception: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    const reply = context.getResponse<FastifyReply>();
    const request = context.getRequest<FastifyRequest>();
    const problem = this.toProblem(exception);
    if (problem.checks) {
      // Not ready (a dependency is down): the probe's business, not an error of ours.
      this.logger.warn({ checks: problem.checks, url: redactUrl(request?.url) }, 'not ready');
    } else if (problem.status >= 500) {
      this.logger.error(
        { err: exception, requestId: request?.id, url: redactUrl(request?.url) },
        'request failed',
      );
    }
    problem.instance = redactUrl(request?.url);
    void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
  }

  private toProblem(exception: unknown): ProblemDetails {
    if (exception instanceof ProblemError) {
      return {
        type: problemTypeUri(exception.code),
        title: exception.title,
        status: exception.status,
        detail: exception.message,
        code: exception.code,
        ...(exception.errors ? { errors: exception.errors } : {}),
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const checks = readinessChecks(response);
      if (status === 503 && checks) {
        const down = Object.entries(checks)
          .filter(([, check]) => check.status !== 'up')
          .map(([name]) => name);
        return {
          ...simple(503, 'HEALTH.NOT_READY', `Not ready: ${down.join(', ')} down.`),
          checks,
        };
      }
      const message =
        typeof response === 'object' && response && 'message' in response
          ? String((response as { message: unknown }).message)
          : exception.message;
      return simple(status, CODES[status] ?? `HTTP.${status}`, message);
    }
    const fastifyError = exception as FastifyLikeError;
    if (
      typeof fastifyError?.statusCode === 'number' &&
      fastifyError.statusCode >= 400 &&
      fastifyError.statusCode < 500
    ) {
      const status = fastifyError.statusCode;
      if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return simple(413, 'REQUEST.TOO_LARGE', 'The request body exceeds the 1 MB limit.');
      }
      if (
        status === 400 &&
        (exception instanceof SyntaxError || /JSON/i.test(fastifyError.message ?? ''))
      ) {
        return simple(400, 'REQUEST.MALFORMED_JSON', 'The request body is not valid JSON.');
      }
      return simple(status, CODES[status] ?? `HTTP.${status}`, fastifyError.message ?? '');
    }
    return simple(500, 'INTERNAL', 'An unexpected error occurred; it has been logged.');
  }
}

/** Terminus's failed health check answer: `{ status: 'error', info, error, details }`. */
function readinessChecks(response: unknown): ProblemDetails['checks'] | undefined {
  if (typeof response !== 'object' || response === null) return undefined;
  const { status, details } = response as { status?: unknown; details?: unknown };
  if (status !== 'error' || typeof details !== 'object' || details === null) return undefined;
  return details as ProblemDetails['checks'];
}

function simple(status: number, code: string, detail: string): ProblemDetails {
  return { type: problemTypeUri(code), title: TITLES[status] ?? 'Error', status, detail, code };
}
