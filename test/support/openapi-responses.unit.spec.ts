import { OpenApiResponses } from './openapi-responses';

/** A document of one call, in the shape Nest publishes, to show what the check refuses. */
const document = {
  openapi: '3.0.0',
  paths: {
    '/v1/things/{id}': {
      get: {
        responses: {
          '200': {
            description: 'A thing',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['id'],
                  properties: {
                    id: { type: 'string' },
                    at: { type: 'string', format: 'date-time', nullable: true },
                  },
                  additionalProperties: false,
                },
              },
              'text/csv': { schema: { type: 'string' } },
            },
          },
          '202': { description: 'No schema', content: { 'application/json': {} } },
          default: {
            description: 'problem',
            content: {
              'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
            },
          },
        },
      },
    },
    '/v1/things/special': {
      get: { responses: { '204': { description: 'Nothing' } } },
    },
  },
  components: {
    schemas: {
      Problem: {
        type: 'object',
        required: ['status', 'code'],
        properties: { status: { type: 'integer' }, code: { type: 'string' } },
      },
    },
  },
};

const json = 'application/json; charset=utf-8';
const check = (path: string, status: number, contentType: string | null, body: unknown) =>
  new OpenApiResponses(document).check({
    method: 'GET',
    path,
    status,
    contentType,
    text: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('OpenApiResponses: an answer against the published document', () => {
  it('accepts an answer that matches its schema, nullable and formats included', () => {
    expect(check('/v1/things/a?x=1', 200, json, { id: 'a', at: null })).toEqual([]);
    expect(check('/v1/things/a', 200, json, { id: 'a', at: '2026-01-01T00:00:00Z' })).toEqual([]);
  });

  it('names a field the schema does not allow, and a wrong type', () => {
    const problems = check('/v1/things/a', 200, json, { id: 1, version: 2 });
    expect(problems.join('\n')).toMatch(/must NOT have additional properties.*version/);
    expect(problems.join('\n')).toMatch(/body\/id must be string/);
  });

  it('refuses an undocumented status, content type, path, or a JSON answer without schema', () => {
    expect(check('/v1/things/special', 200, json, {})).toEqual([
      expect.stringContaining('status 200 is not documented'),
    ]);
    expect(check('/v1/things/a', 200, 'text/html', '<p>')).toEqual([
      expect.stringContaining('text/html is not documented'),
    ]);
    expect(check('/v1/other', 200, json, {})).toEqual([
      expect.stringContaining('is not in the OpenAPI document'),
    ]);
    expect(check('/v1/things/a', 202, json, {})).toEqual([
      expect.stringContaining('has no schema'),
    ]);
  });

  it('prefers a literal path to a template, checks errors against the default, skips other paths', () => {
    expect(check('/v1/things/special', 204, null, '')).toEqual([]);
    expect(
      check('/v1/things/a', 404, 'application/problem+json', { status: 404, code: 'X' }),
    ).toEqual([]);
    expect(check('/v1/things/a', 404, 'application/problem+json', { status: 404 })).toEqual([
      expect.stringContaining("must have required property 'code'"),
    ]);
    expect(
      check('/v1/nowhere', 404, 'application/problem+json', { status: 404, code: 'X' }),
    ).toEqual([]);
    expect(check('/app.js', 200, 'text/javascript', 'x')).toEqual([]);
    expect(check('/v1/things/a', 200, 'text/csv', 'id\r\n')).toEqual([]);
  });
});
