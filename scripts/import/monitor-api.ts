/**
 * The calls the importer makes to a running monitor, over fetch (keep-alive connections).
 * Answers the importer cannot go on after (no key, wrong role, a server that keeps failing)
 * are thrown as ImportAbort with a sentence for the person at the terminal.
 */
import { backoffMs } from '@cm/platform/plumbing';

/** Without Retry-After: 500 ms after the first failure, doubling. */
const IMPORT_BACKOFF = { initialMs: 500, maxMs: Infinity };

export class ImportAbort extends Error {}

export interface BatchItemResult {
  index: number;
  reportId: string | null;
  status: 'created' | 'duplicate' | 'conflict' | 'invalid';
  errors?: { path: string; message: string }[];
}

export interface ReportView {
  reportId: string;
  version: number;
  retracted: boolean;
  report: Record<string, unknown> & { details: unknown; occurredAt: string };
}

const RETRIES = 5;

export class MonitorApi {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey?: string,
  ) {}

  /** GET /health/live (no key needed): fails with the sentence before any row is read. */
  async checkReachable(): Promise<void> {
    await this.call('GET', '/health/live');
  }

  /** POST /v1/reports/batch with a body already serialised. */
  async fileBatch(body: string): Promise<BatchItemResult[]> {
    const { status, json } = await this.call('POST', '/v1/reports/batch', body);
    if (status !== 200) throw this.unexpected('POST /v1/reports/batch', status, json);
    return (json as { results: BatchItemResult[] }).results;
  }

  async getReport(reportId: string): Promise<ReportView | undefined> {
    const path = `/v1/reports/${encodeURIComponent(reportId)}`;
    const { status, json } = await this.call('GET', path);
    if (status === 404) return undefined;
    if (status !== 200) throw this.unexpected(`GET ${path}`, status, json);
    return json as ReportView;
  }

  /** 'done', or 'stale' (409: the version moved or the report is retracted), or 'missing'. */
  async correct(reportId: string, body: unknown): Promise<'done' | 'stale' | 'missing'> {
    return this.write(`/v1/reports/${encodeURIComponent(reportId)}/corrections`, body);
  }

  async retract(reportId: string, reason: string): Promise<'done' | 'stale' | 'missing'> {
    return this.write(`/v1/reports/${encodeURIComponent(reportId)}/retraction`, { reason });
  }

  /** One page of a theatre's casualty list (current state, retracted ones left out). */
  async casualtyPage(
    theatre: string,
    query: { from: string; to: string; cursor?: string },
  ): Promise<{ items: { reportId: string; occurredAt: string }[]; nextCursor: string | null }> {
    const params = new URLSearchParams({ from: query.from, to: query.to, limit: '500' });
    if (query.cursor) params.set('cursor', query.cursor);
    const path = `/v1/theatres/${encodeURIComponent(theatre)}/casualties?${params}`;
    const { status, json } = await this.call('GET', path);
    if (status === 404) return { items: [], nextCursor: null };
    if (status !== 200) throw this.unexpected(`GET ${path}`, status, json);
    return json as { items: { reportId: string; occurredAt: string }[]; nextCursor: string | null };
  }

  private async write(path: string, body: unknown): Promise<'done' | 'stale' | 'missing'> {
    const { status, json } = await this.call('POST', path, JSON.stringify(body));
    if (status === 201) return 'done';
    if (status === 409) return 'stale';
    if (status === 404) return 'missing';
    throw this.unexpected(`POST ${path}`, status, json);
  }

  /**
   * One request, retried on 429 and 503 (after their Retry-After) and on 5xx and dropped
   * connections a few times; a monitor that cannot be reached at all aborts at once.
   */
  private async call(
    method: string,
    path: string,
    body?: string,
  ): Promise<{ status: number; json: unknown }> {
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(`${this.baseUrl}${path}`, {
          method,
          headers: {
            accept: 'application/json',
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
          },
          body,
        });
      } catch (error) {
        const { code, message } =
          (error as { cause?: { code?: string; message?: string } }).cause ?? {};
        if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || !code || attempt >= RETRIES) {
          throw new ImportAbort(
            `The monitor at ${this.baseUrl} cannot be reached (${code ?? message ?? (error as Error).message}); ` +
              'start it (npm start) or set MONITOR_URL.',
          );
        }
        await sleep(250 * attempt);
        continue;
      }
      const text = await response.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = text;
      }
      if (response.status === 401 || response.status === 403) {
        throw new ImportAbort(
          `The monitor answered ${response.status} to ${method} ${path.split('?')[0]}: ` +
            (response.status === 401
              ? 'set API_KEY to a key of the monitor.'
              : 'the API_KEY lacks the role (ingest to file, read to compare with what is stored).'),
        );
      }
      const retryable = response.status === 429 || response.status >= 500;
      if (retryable && attempt < RETRIES) {
        const after = Number(response.headers.get('retry-after'));
        await sleep(
          Number.isFinite(after) && after > 0 ? after * 1000 : backoffMs(attempt, IMPORT_BACKOFF),
        );
        continue;
      }
      return { status: response.status, json };
    }
  }

  private unexpected(call: string, status: number, json: unknown): ImportAbort {
    const problem = json as { detail?: string; title?: string } | undefined;
    return new ImportAbort(
      `The monitor answered ${status} to ${call}: ${problem?.detail ?? problem?.title ?? String(json).slice(0, 200)}`,
    );
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
