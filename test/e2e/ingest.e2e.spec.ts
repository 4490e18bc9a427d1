import {
  aCasualtyReport,
  aDeploymentReport,
  aSanctionDemandReport,
  aViolationReport,
} from '@cm/contracts/testing';
import type { TestApp } from '@cm/test-support';
import { expectProblem, httpClient, startTestApp, TEST_KEYS } from '@cm/test-support';

describe('ingest over HTTP (real app, real PostgreSQL)', () => {
  let testApp: TestApp;
  let ingest: ReturnType<typeof httpClient>;
  let reader: ReturnType<typeof httpClient>;
  let anonymous: ReturnType<typeof httpClient>;

  const storedEvents = async (): Promise<number> => {
    const { rows } = await testApp.database.pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM events',
    );
    return Number(rows[0].n);
  };

  beforeAll(async () => {
    testApp = await startTestApp();
    ingest = httpClient(testApp.baseUrl, TEST_KEYS.ingest);
    reader = httpClient(testApp.baseUrl, TEST_KEYS.read);
    anonymous = httpClient(testApp.baseUrl);
  }, 120_000);
  afterAll(async () => {
    await testApp.close();
  }, 120_000);

  describe('POST /v1/reports', () => {
    it('files a report (201), answers the same body again with 200 and the same receipt', async () => {
      const report = aDeploymentReport({ reportId: 'e2e-file-1' });
      const first = await ingest('POST', '/v1/reports', report);
      expect(first.status).toBe(201);
      expect(first.body).toEqual({
        reportId: 'e2e-file-1',
        version: 1,
        position: expect.any(Number),
      });
      const before = await storedEvents();
      const again = await ingest('POST', '/v1/reports', report);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      expect(await storedEvents()).toBe(before);
    });

    it('files each of the four report types', async () => {
      for (const report of [
        aCasualtyReport({ reportId: 'e2e-type-casualty' }),
        aViolationReport({ reportId: 'e2e-type-violation' }),
        aSanctionDemandReport({ reportId: 'e2e-type-sanction' }),
      ]) {
        expect((await ingest('POST', '/v1/reports', report)).status).toBe(201);
      }
    });

    it('answers 409 to the same reportId with other content, storing nothing', async () => {
      await ingest('POST', '/v1/reports', aCasualtyReport({ reportId: 'e2e-conflict' }));
      const before = await storedEvents();
      const other = aCasualtyReport({ reportId: 'e2e-conflict', theatre: 'other-theatre' });
      expectProblem(await ingest('POST', '/v1/reports', other), 409);
      expect(await storedEvents()).toBe(before);
    });

    it('answers 400 with field paths to an invalid report, storing nothing', async () => {
      const before = await storedEvents();
      const bad = aCasualtyReport({ reportId: 'e2e-invalid' }) as any;
      bad.details.count = { low: 10, best: 5 };
      bad.unexpected = true;
      const response = await ingest('POST', '/v1/reports', bad);
      expectProblem(response, 400);
      const paths = response.body.errors.map((error: { path: string }) => error.path);
      expect(paths).toEqual(expect.arrayContaining(['details.count.low', 'unexpected']));
      expect(await storedEvents()).toBe(before);
    });

    it('answers 400 problem+json to malformed JSON, never 500', async () => {
      const response = await ingest('POST', '/v1/reports', '{"reportId": "x",');
      expectProblem(response, 400);
    });

    it.each([['null'], ['[]'], ['"text"'], ['42']])(
      'answers 400 to the JSON body %s',
      async (body) => {
        expectProblem(await ingest('POST', '/v1/reports', body), 400);
      },
    );

    it('answers 413 to a body over 1 MB', async () => {
      const huge = aDeploymentReport({ reportId: 'e2e-huge' }) as any;
      huge.details.description = 'x'.repeat(1024 * 1024 + 10);
      expectProblem(await ingest('POST', '/v1/reports', huge), 413);
    });

    it('answers 401 without a key or with a wrong one, 403 without the ingest role', async () => {
      const report = aDeploymentReport({ reportId: 'e2e-auth' });
      expectProblem(await anonymous('POST', '/v1/reports', report), 401);
      expectProblem(
        await httpClient(testApp.baseUrl, 'not-a-key-at-all')('POST', '/v1/reports', report),
        401,
      );
      expectProblem(await reader('POST', '/v1/reports', report), 403);
    });
  });

  describe('POST /v1/reports/batch', () => {
    it('answers each item: created, duplicate, conflict and invalid; stores the valid ones', async () => {
      await ingest('POST', '/v1/reports', aViolationReport({ reportId: 'e2e-batch-existing' }));
      const before = await storedEvents();
      const invalid = aCasualtyReport({ reportId: 'e2e-batch-invalid' }) as any;
      invalid.details.category = 'vaporised';
      const response = await ingest('POST', '/v1/reports/batch', {
        reports: [
          aDeploymentReport({ reportId: 'e2e-batch-new-1' }),
          aViolationReport({ reportId: 'e2e-batch-existing' }),
          invalid,
          aViolationReport({ reportId: 'e2e-batch-existing', theatre: 'elsewhere' }),
          aCasualtyReport({ reportId: 'e2e-batch-new-2' }),
          aCasualtyReport({ reportId: 'e2e-batch-new-2' }),
        ],
      });
      expect(response.status).toBe(200);
      expect(response.body.results.map((r: { status: string }) => r.status)).toEqual([
        'created',
        'duplicate',
        'invalid',
        'conflict',
        'created',
        'duplicate',
      ]);
      expect(response.body.results[2]).toMatchObject({
        index: 2,
        reportId: 'e2e-batch-invalid',
        errors: [expect.objectContaining({ path: 'reports.2.details.category' })],
      });
      expect(response.body.results[5].position).toBe(response.body.results[4].position);
      expect(await storedEvents()).toBe(before + 2);
    });

    it.each([
      ['no reports field', { items: [] }],
      ['reports not a list', { reports: {} }],
      ['an empty list', { reports: [] }],
      ['an unknown field', { reports: [aDeploymentReport()], extra: 1 }],
      ['more than 1000 reports', { reports: Array.from({ length: 1001 }, () => ({})) }],
    ])('answers 400 to a malformed envelope: %s', async (_name, body) => {
      expectProblem(await ingest('POST', '/v1/reports/batch', body), 400);
    });
  });

  describe('corrections and retractions', () => {
    const id = 'e2e-lifecycle';
    beforeAll(async () => {
      const filed = await ingest('POST', '/v1/reports', aCasualtyReport({ reportId: id }));
      expect(filed.status).toBe(201);
    }, 120_000);

    it('corrects at the current version (201) and refuses the stale version (409)', async () => {
      const current = await reader('GET', `/v1/reports/${id}`);
      const details = {
        ...current.body.report.details,
        count: { low: 3500, best: 4000, high: 4500 },
      };
      const corrected = await ingest('POST', `/v1/reports/${id}/corrections`, {
        expectedVersion: 1,
        details,
        reason: 'revised estimate',
      });
      expect(corrected.status).toBe(201);
      expect(corrected.body).toEqual({ reportId: id, version: 2 });
      const stale = await ingest('POST', `/v1/reports/${id}/corrections`, {
        expectedVersion: 1,
        details,
        reason: 'replayed',
      });
      expectProblem(stale, 409);
    });

    it('answers 400 to invalid corrected details, with the path', async () => {
      const response = await ingest('POST', `/v1/reports/${id}/corrections`, {
        expectedVersion: 2,
        details: {
          party: 'KP',
          category: 'killed',
          civilian: false,
          count: { best: -1 },
          cumulative: false,
        },
        reason: 'bad',
      });
      expectProblem(response, 400);
      expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(
        'details.count.best',
      );
    });

    it('answers 404 for an unknown report', async () => {
      expectProblem(
        await ingest('POST', '/v1/reports/nope-404/corrections', {
          expectedVersion: 1,
          details: {},
          reason: 'x',
        }),
        404,
      );
      expectProblem(await ingest('POST', '/v1/reports/nope-404/retraction', { reason: 'x' }), 404);
    });

    it('retracts (201), then refuses a second retraction and any correction (409)', async () => {
      const retracted = await ingest('POST', `/v1/reports/${id}/retraction`, {
        reason: 'source withdrew it',
      });
      expect(retracted.status).toBe(201);
      expect(retracted.body).toEqual({ reportId: id, version: 3 });
      expectProblem(await ingest('POST', `/v1/reports/${id}/retraction`, { reason: 'again' }), 409);
      const current = await reader('GET', `/v1/reports/${id}`);
      expectProblem(
        await ingest('POST', `/v1/reports/${id}/corrections`, {
          expectedVersion: 3,
          details: current.body.report.details,
          reason: 'too late',
        }),
        409,
      );
    });

    it('GET shows the current state, version, retraction and the whole history', async () => {
      const response = await reader('GET', `/v1/reports/${id}`);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        reportId: id,
        type: 'casualty',
        version: 3,
        retracted: true,
        retractionReason: 'source withdrew it',
        report: { details: { count: { low: 3500, best: 4000, high: 4500 } } },
      });
      expect(response.body.history.map((h: { type: string }) => h.type)).toEqual([
        'CasualtyReported',
        'ReportCorrected',
        'ReportRetracted',
      ]);
    });

    it('GET answers 404 for an unknown report and 401 without a key', async () => {
      expectProblem(await reader('GET', '/v1/reports/unknown-report'), 404);
      expectProblem(await anonymous('GET', `/v1/reports/${id}`), 401);
    });
  });

  describe('operations', () => {
    it('serves health, metrics and the OpenAPI document without a key', async () => {
      expect((await anonymous('GET', '/health/live')).status).toBe(200);
      const ready = await anonymous('GET', '/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.info.database.status).toBe('up');
      const metrics = await anonymous('GET', '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.text).toContain('cm_reports_ingested_total');
      const openapi = await anonymous('GET', '/docs-json');
      expect(openapi.status).toBe(200);
      expect(Object.keys(openapi.body.paths)).toEqual(
        expect.arrayContaining(['/v1/reports', '/v1/reports/batch', '/v1/reports/{id}']),
      );
      expect((await anonymous('GET', '/docs')).status).toBe(200);
    });

    it.each(['/docs', '/docs/'])(
      'serves the API docs page at %s with every script and style it links',
      async (page) => {
        const html = await anonymous('GET', page);
        expect(html.status).toBe(200);
        const links = [...html.text.matchAll(/(?:src|href)="(\.\/[^"]+\.(?:js|css))"/g)];
        expect(links.length).toBeGreaterThanOrEqual(3);
        for (const [, link] of links) {
          // Resolved as a browser does, against the page's own URL.
          const asset = new URL(link!, `http://server${page}`).pathname;
          const answer = await anonymous('GET', asset);
          expect({ asset, status: answer.status }).toEqual({ asset, status: 200 });
          expect(answer.headers.get('content-type')).toMatch(/javascript|css/);
        }
      },
    );

    it('gives every answer a request id: the client’s own, or a new one', async () => {
      const given = await reader('GET', '/v1/reports/unknown-report', undefined, {
        'x-request-id': 'dashboard-7f3a',
      });
      expect(given.headers.get('x-request-id')).toBe('dashboard-7f3a');
      const fresh = await reader('GET', '/v1/reports/unknown-report');
      expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('answers an unknown route with 404 problem+json', async () => {
      expectProblem(await reader('GET', '/v1/nothing-here'), 404);
    });
  });
});
