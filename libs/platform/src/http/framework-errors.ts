import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { findUnstorableText, STORABLE_TEXT_MESSAGE } from '@cm/contracts';
import { frameworkProblem } from './problem-details.filter';
import { PROBLEM_CONTENT_TYPE, ProblemError } from './problem';

/**
 * The HTTP framework's own rejections as problem+json. Three of them are answered before
 * Nest's exception filter can see them, each by its own hook:
 * - the router's (a URL that is not valid percent-encoded UTF-8, a path parameter over
 *   maxParamLength) go to Fastify's `frameworkErrors`;
 * - Node's HTTP parser's (headers or request line too large: 431; garbage on the wire: 400;
 *   a request that took too long: 408) go to Fastify's `clientErrorHandler`, with a socket
 *   and no request, so the answer is written by hand.
 * The mapping of each error to its status and code is in problem-details.filter.ts.
 */

export function sendFrameworkError(
  error: Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const problem = frameworkProblem(error);
  problem.instance = request.raw.url;
  void reply
    .code(problem.status)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problem));
}

export function writeClientErrorProblem(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection is gone: there is no one to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const problem = frameworkProblem(error);
    const body = JSON.stringify(problem);
    socket.write(
      `HTTP/1.1 ${problem.status} ${problem.title}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy();
}

/**
 * For an onRequest hook (throws): path and query parameters that PostgreSQL could not take as
 * text (NUL, as `%00`, or an unpaired surrogate) are refused with a 400 naming the parameter,
 * for every route at once, before any handler can pass them to a query.
 */
export function refuseUnstorableUrlText(request: FastifyRequest): void {
  for (const source of [request.params, request.query]) {
    if (typeof source !== 'object' || source === null) continue;
    const path = findUnstorableText(source);
    if (path === undefined) continue;
    // A repeated query parameter is an array: name the parameter, not its index.
    const name = Object.keys(source).find((key) => path === key || path.startsWith(`${key}.`));
    throw ProblemError.validation(
      [{ path: name ?? path, message: STORABLE_TEXT_MESSAGE }],
      'The URL holds a character no stored value can: NUL (%00) or an unpaired surrogate.',
    );
  }
}

/**
 * For an onRequest hook (throws): request bodies are JSON. Fastify's default text/plain parser
 * and Nest's urlencoded one would hand other media types to the handlers (as a string, or as
 * an object of form fields), where they read as a bad body (400) instead of the 415 they are.
 */
export function refuseNonJsonBodies(request: FastifyRequest): void {
  const type = request.headers['content-type'];
  if (type === undefined) return;
  const hasBody =
    request.headers['transfer-encoding'] !== undefined ||
    Number(request.headers['content-length'] ?? 0) > 0;
  if (!hasBody) return;
  if (type.split(';')[0].trim().toLowerCase() === 'application/json') return;
  throw Object.assign(new Error(`Unsupported content-type: ${type}`), {
    code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
    statusCode: 415,
  });
}
