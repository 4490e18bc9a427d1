import type { httpClient } from './test-app';

export type HttpClient = ReturnType<typeof httpClient>;

/** The four report lists of a theatre (docs/API.md), by their path segment. */
export const REPORT_LISTS = [
  'deployments',
  'casualties',
  'ceasefire-violations',
  'sanction-demands',
] as const;

/** A report as the lists answer it. */
export type ListedReport = {
  reportId: string;
  occurredAt: string;
  version: number;
  [field: string]: any;
};

/**
 * Every page of a `{ items, nextCursor }` list, following nextCursor; each page must answer
 * 200. `query` (without its `?`) and `limit`, if given, go with every page's request.
 */
export async function readAllPages(
  reader: HttpClient,
  path: string,
  query = '',
  limit?: number,
): Promise<{ items: ListedReport[]; pages: number }> {
  const items: ListedReport[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const params = [
      query,
      limit === undefined ? '' : `limit=${limit}`,
      cursor ? `cursor=${cursor}` : '',
    ]
      .filter(Boolean)
      .join('&');
    const page = await reader('GET', params ? `${path}?${params}` : path);
    expect(page.status).toBe(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
    pages += 1;
  } while (cursor);
  return { items, pages };
}

/** Files `reports` in one POST /v1/reports/batch; every one of them must be created. */
export async function fileBatch(ingest: HttpClient, reports: object[]): Promise<void> {
  const response = await ingest('POST', '/v1/reports/batch', { reports });
  expect(response.status).toBe(200);
  for (const result of response.body.results) expect(result.status).toBe('created');
}
