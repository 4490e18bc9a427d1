import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Checks answers against the OpenAPI document the app publishes at /docs-json, so that the
 * document cannot drift from what the server says: every e2e request made with httpClient
 * goes through `expectDocumentedResponse`.
 *
 * What is checked, for a path the document covers (/v1, /health, /metrics):
 * - the path and method are documented;
 * - the status is documented (or the operation's `default`);
 * - the content type is documented for that status (a body-less answer needs none);
 * - a JSON body (application/json, problem+json, geo+json) is valid against its schema, and
 *   a JSON answer whose schema is missing is itself a failure.
 * Other paths (the console's files, /docs) are not checked. An unknown path under /v1 must be
 * answered with a problem (404 ROUTE.NOT_FOUND), checked against the document's Problem.
 */

type Json = Record<string, any>;

export interface ResponseToCheck {
  method: string;
  /** The request path, with or without its query string. */
  path: string;
  status: number;
  contentType: string | null;
  /** The text of the body. */
  text: string;
}

interface Operation {
  template: string;
  pattern: RegExp;
  params: number;
  responses: Record<string, Json>;
}

const CHECKED_PREFIXES = ['/v1/', '/health/', '/metrics'];
const PROBLEM = '#/components/schemas/Problem';

export class OpenApiResponses {
  private readonly ajv: Ajv;
  private readonly operations = new Map<string, Operation[]>();
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly document: Json) {
    // OpenAPI 3.0 schemas: `nullable` is understood by Ajv, `example` and the like are not
    // JSON Schema keywords (strict off lets them through).
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema(document, 'openapi.json');
    for (const [template, item] of Object.entries<Json>(document.paths ?? {})) {
      for (const [method, operation] of Object.entries<Json>(item)) {
        if (!operation || typeof operation !== 'object' || !operation.responses) continue;
        const list = this.operations.get(method.toUpperCase()) ?? [];
        list.push({
          template,
          pattern: new RegExp(
            `^${template
              .split(/\{[^}]+\}/)
              .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
              .join('[^/]+')}$`,
          ),
          params: (template.match(/\{/g) ?? []).length,
          responses: operation.responses,
        });
        // Literal paths before templated ones (/v1/alerts/stream before /v1/alerts/{id}).
        list.sort((a, b) => a.params - b.params);
        this.operations.set(method.toUpperCase(), list);
      }
    }
  }

  /** The reasons the response does not match the document (empty when it does). */
  check(response: ResponseToCheck): string[] {
    const path = response.path.split('?')[0] ?? '';
    if (!CHECKED_PREFIXES.some((prefix) => path.startsWith(prefix))) return [];
    const where = `${response.method} ${path} -> ${response.status}`;
    const operation = this.operations
      .get(response.method.toUpperCase())
      ?.find((candidate) => candidate.pattern.test(path));
    if (!operation) {
      // An unknown route, a method not served, a framework refusal: a problem all the same.
      if (response.status >= 400) return this.checkBody(where, PROBLEM, response);
      return [`${where}: ${response.method} ${path} is not in the OpenAPI document`];
    }
    const key =
      String(response.status) in operation.responses ? String(response.status) : 'default';
    const documented = operation.responses[key];
    if (!documented) {
      return [
        `${where}: status ${response.status} is not documented for ${response.method} ${operation.template}`,
      ];
    }
    const pointer = `#/paths/${escape(operation.template)}/${response.method.toLowerCase()}/responses/${key}`;
    const mediaType = (response.contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!response.text) return [];
    const content: Json = documented.content ?? {};
    const entry = Object.keys(content).find((type) => type.toLowerCase() === mediaType);
    if (!entry) {
      return [
        `${where}: ${mediaType || 'a body without content type'} is not documented for ` +
          `${response.method} ${operation.template} ${key} (documented: ${Object.keys(content).join(', ') || 'none'})`,
      ];
    }
    if (!isJson(mediaType)) return [];
    if (!content[entry].schema) {
      return [
        `${where}: ${entry} of ${response.method} ${operation.template} ${key} has no schema`,
      ];
    }
    return this.checkBody(where, `${pointer}/content/${escape(entry)}/schema`, response);
  }

  private checkBody(where: string, pointer: string, response: ResponseToCheck): string[] {
    let body: unknown;
    try {
      body = JSON.parse(response.text);
    } catch {
      return [`${where}: the body is not JSON: ${response.text.slice(0, 200)}`];
    }
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `openapi.json${pointer}` });
      this.validators.set(pointer, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? [])
      .slice(0, 10)
      .map(
        (error) =>
          `${where}: body${error.instancePath || ''} ${error.message ?? 'is invalid'}` +
          (error.params && Object.keys(error.params).length
            ? ` ${JSON.stringify(error.params)}`
            : '') +
          ` (schema ${pointer}${error.schemaPath.replace(/^#/, '')})`,
      );
  }
}

function isJson(mediaType: string): boolean {
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

/** JSON Pointer escaping of one reference token, then URI-encoded for a $ref. */
function escape(token: string): string {
  return encodeURIComponent(token.replace(/~/g, '~0').replace(/\//g, '~1'));
}

const documents = new Map<string, Promise<OpenApiResponses | undefined>>();

/** The app's published document, read once per server (undefined if it serves none). */
export function openApiOf(baseUrl: string): Promise<OpenApiResponses | undefined> {
  let document = documents.get(baseUrl);
  if (!document) {
    document = fetch(`${baseUrl}/docs-json`).then(
      async (response) =>
        response.ok ? new OpenApiResponses((await response.json()) as Json) : undefined,
      () => undefined,
    );
    // A server that was not up yet is asked again next time.
    void document.then((found) => {
      if (!found) documents.delete(baseUrl);
    });
    documents.set(baseUrl, document);
  }
  return document;
}

/**
 * Throws, naming every mismatch, when the response does not match the OpenAPI document that
 * the server at `baseUrl` publishes. A server without /docs-json is not checked.
 */
export async function expectDocumentedResponse(
  baseUrl: string,
  response: ResponseToCheck,
): Promise<void> {
  const document = await openApiOf(baseUrl);
  if (!document) return;
  const mismatches = document.check(response);
  if (mismatches.length > 0) {
    throw new Error(
      `The answer does not match the OpenAPI document (/docs-json):\n  ${mismatches.join('\n  ')}\n` +
        `body: ${response.text.slice(0, 500)}`,
    );
  }
}
