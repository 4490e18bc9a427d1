import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BODY_LIMIT_BYTES, MAX_HEADER_BYTES, MAX_PARAM_LENGTH } from './http-limits';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from '../plumbing';
import { redactUrl } from './redact-url';
import { PROBLEM_CONTENT_TYPE, ProblemDetails, ProblemError, problemTypeUri } from './problem';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  406: 'Not acceptable',
  408: 'Request timeout',
  409: 'Conflict',
  413: 'Payload too large',
  414: 'URI too long',
  415: 'Unsupported media type',
  431: 'Request header fields too large',
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
  408: 'REQUEST.TIMEOUT',
  409: 'REQUEST.CONFLICT',
  413: 'REQUEST.TOO_LARGE',
  414: 'REQUEST.URI_TOO_LONG',
  415: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  429: 'REQUEST.RATE_LIMITED',
  431: 'REQUEST.HEADERS_TOO_LARGE',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

interface FrameworkAnswer {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
}

/**
 * Fastify's and Node's own rejections, by their error code: what each is answered. Fastify's
 * (FST_) come through Nest as an HttpException with the error as its cause, or straight from
 * the router (see framework-errors.ts); Node's HTTP parser's (HPE_) from the clientError
 * event, before any request exists.
 */
const FRAMEWORK_ERRORS: Record<string, FrameworkAnswer> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'REQUEST.TOO_LARGE',
    detail: `The request body exceeds the ${BODY_LIMIT_BYTES / 1024 / 1024} MB limit.`,
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
    detail: 'Request bodies must be JSON, sent with content-type: application/json.',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'REQUEST.MALFORMED_JSON',
    detail: 'The request body is not valid JSON.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'REQUEST.MALFORMED_JSON',
    detail: 'The request body is empty but its content-type says JSON.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'REQUEST.BAD',
    detail: 'The content-length does not match the body.',
  },
  FST_ERR_BAD_URL: {
    status: 400,
    code: 'REQUEST.BAD_URL',
    detail: 'The URL is not valid percent-encoded UTF-8.',
  },
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 414,
    code: 'REQUEST.URI_TOO_LONG',
    detail: `A path segment is longer than ${MAX_PARAM_LENGTH} characters.`,
  },
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'REQUEST.HEADERS_TOO_LARGE',
    detail: `The request line and headers exceed ${MAX_HEADER_BYTES / 1024} KB.`,
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'REQUEST.TIMEOUT',
    detail: 'The request did not arrive in time.',
  },
};

/** Anything else Node's HTTP parser refuses (a bad method, a broken header line, ...). */
const NOT_HTTP: FrameworkAnswer = {
  status: 400,
  code: 'REQUEST.BAD',
  detail: 'The request is not valid HTTP/1.1.',
};

/** The answer to an error of Fastify's or Node's, by its code (see FRAMEWORK_ERRORS). */
export function frameworkProblem(error: unknown): ProblemDetails {
  const code = (error as { code?: unknown } | null)?.code;
  const answer = typeof code === 'string' ? FRAMEWORK_ERRORS[code] : undefined;
  if (answer !== undefined) return simple(answer.status, answer.code, answer.detail);
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return simple(status, CODES[status] ?? `HTTP.${status}`, http4xxDetail(error));
  }
  return simple(NOT_HTTP.status, NOT_HTTP.code, NOT_HTTP.detail);
}

function http4xxDetail(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : '';
}

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
    if (problem.code === 'DATABASE.UNAVAILABLE') {
      // An outage, not a bug: one line per request, without the stack.
      this.logger.warn(
        { err: errorMessage(exception), requestId: request?.id, url: redactUrl(request?.url) },
        'database unavailable',
      );
      void reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
    } else if (problem.checks || problem.code === 'HEALTH.DEGRADED') {
      // Not ready (a dependency is down, events parked): the probe's business, not an error
      // of ours; parked events were logged at error level when they were parked.
      this.logger.warn(
        { checks: problem.checks, detail: problem.detail, url: redactUrl(request?.url) },
        'not ready',
      );
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
      // Nest wraps Fastify's own 4xx errors (body parsing, media type, size) this way.
      const cause = exception.cause as { code?: unknown } | undefined;
      if (typeof cause?.code === 'string' && cause.code in FRAMEWORK_ERRORS) {
        return frameworkProblem(cause);
      }
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
          ? String(response.message)
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
      if (fastifyError.code !== undefined && fastifyError.code in FRAMEWORK_ERRORS) {
        return frameworkProblem(fastifyError);
      }
      if (
        status === 400 &&
        (exception instanceof SyntaxError || /JSON/i.test(fastifyError.message ?? ''))
      ) {
        return simple(400, 'REQUEST.MALFORMED_JSON', 'The request body is not valid JSON.');
      }
      return simple(status, CODES[status] ?? `HTTP.${status}`, fastifyError.message ?? '');
    }
    if (isDatabaseUnavailable(exception)) {
      return simple(
        503,
        'DATABASE.UNAVAILABLE',
        `The database cannot be reached right now; try again in ${DATABASE_RETRY_AFTER_SECONDS} s.`,
      );
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

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function simple(status: number, code: string, detail: string): ProblemDetails {
  return { type: problemTypeUri(code), title: TITLES[status] ?? 'Error', status, detail, code };
}
