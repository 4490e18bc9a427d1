import type { FastifyRequest } from 'fastify';
import { refuseNonJsonBodies, refuseUnstorableUrlText } from './framework-errors';
import { ProblemError } from './problem';
import { frameworkProblem } from './problem-details.filter';

const requestWith = (parts: Partial<FastifyRequest>) => parts as FastifyRequest;

describe('frameworkProblem', () => {
  it.each([
    ['FST_ERR_BAD_URL', 400, 'REQUEST.BAD_URL'],
    ['FST_ERR_MAX_PARAM_LENGTH', 414, 'REQUEST.URI_TOO_LONG'],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE'],
    ['FST_ERR_CTP_INVALID_JSON_BODY', 400, 'REQUEST.MALFORMED_JSON'],
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 'REQUEST.TOO_LARGE'],
    ['HPE_HEADER_OVERFLOW', 431, 'REQUEST.HEADERS_TOO_LARGE'],
    ['HPE_INVALID_METHOD', 400, 'REQUEST.BAD'],
  ])('answers %s with %i %s as a whole problem', (code, status, problemCode) => {
    expect(frameworkProblem(Object.assign(new Error('x'), { code }))).toEqual({
      type: expect.stringMatching(/^https:\/\//),
      title: expect.any(String),
      status,
      detail: expect.any(String),
      code: problemCode,
    });
  });
});

describe('refuseUnstorableUrlText', () => {
  const problemOf = async (request: FastifyRequest) => {
    try {
      refuseUnstorableUrlText(request);
    } catch (error) {
      if (error instanceof ProblemError) return error;
      throw error;
    }
    return undefined;
  };

  it('lets ordinary parameters through', async () => {
    const request = requestWith({ params: { id: 'r-1' }, query: { rule: 'ä 😀', limit: '5' } });
    expect(await problemOf(request)).toBeUndefined();
  });

  it.each([
    ['a NUL in a path parameter', { id: 'a\u0000' }, {}, 'id'],
    ['a lone surrogate in a query parameter', {}, { rule: '\ud800' }, 'rule'],
    ['a NUL in a repeated query parameter', {}, { rule: ['ok', 'x\u0000'] }, 'rule'],
  ])('refuses %s with a 400 naming it', async (_, params, query, path) => {
    const problem = await problemOf(requestWith({ params, query }));
    expect(problem?.status).toBe(400);
    expect(problem?.errors).toEqual([{ path, message: expect.any(String) }]);
  });
});

describe('refuseNonJsonBodies', () => {
  const outcome = (headers: Record<string, string>) => {
    try {
      refuseNonJsonBodies(requestWith({ headers }));
      return 'passed';
    } catch (error) {
      return (error as { statusCode?: number }).statusCode;
    }
  };

  it.each([
    [{ 'content-type': 'application/json', 'content-length': '2' }, 'passed'],
    [{ 'content-type': 'Application/JSON; charset=utf-8', 'content-length': '2' }, 'passed'],
    [{ 'content-type': 'text/plain' }, 'passed'],
    [{}, 'passed'],
    [{ 'content-type': 'text/plain', 'content-length': '5' }, 415],
    [{ 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' }, 415],
  ])('given %j, then %s', async (headers, expected) => {
    expect(outcome(headers)).toBe(expected);
  });
});
