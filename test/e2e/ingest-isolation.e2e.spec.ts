import { aViolationReport } from '@cm/contracts/testing';
import { httpClient, startTestApp, TEST_KEYS, type TestApp } from '@cm/test-support';

/**
 * Concurrent single filings share transactions (group commit). A report carrying a NUL
 * in a text field (which PostgreSQL's jsonb refuses, if validation ever lets one through)
 * fails only its own request: the others sent at the same moment are stored.
 */
describe('one bad report among concurrent filings', () => {
  let app: TestApp;
  const report = (id: string, name = 'Ukrainian Navy') =>
    aViolationReport({
      reportId: id,
      source: { name, kind: 'military', reliability: 'B', credibility: 3 },
    } as never);

  beforeAll(async () => {
    app = await startTestApp();
  }, 120_000);
  afterAll(() => app?.close(), 60_000);

  it('answers the bad one 4xx and stores the 200 good ones sent with it', async () => {
    const ingest = httpClient(app.baseUrl, TEST_KEYS.ingest);
    const read = httpClient(app.baseUrl, TEST_KEYS.read);
    const ids = Array.from({ length: 200 }, (_, n) => `isolation-good-${n}`);
    const answers = await Promise.all([
      ...ids.slice(0, 100).map((id) => ingest('POST', '/v1/reports', report(id))),
      ingest('POST', '/v1/reports', report('isolation-bad', 'a\u0000b')),
      ...ids.slice(100).map((id) => ingest('POST', '/v1/reports', report(id))),
    ]);
    const bad = answers[100];
    const good = [...answers.slice(0, 100), ...answers.slice(101)];
    expect(good.map((answer) => answer.status).filter((status) => status !== 201)).toEqual([]);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    for (const id of [ids[0], ids[99], ids[100], ids[199]]) {
      expect((await read('GET', `/v1/reports/${id}`)).status).toBe(200);
    }
    expect((await read('GET', '/v1/reports/isolation-bad')).status).toBe(404);
  }, 60_000);

  it('makes a bad batch item invalid and stores the others of its batch', async () => {
    const ingest = httpClient(app.baseUrl, TEST_KEYS.ingest);
    const answer = await ingest('POST', '/v1/reports/batch', {
      reports: [
        report('isolation-batch-0'),
        report('isolation-batch-bad', 'x\u0000'),
        report('isolation-batch-2'),
      ],
    });
    expect(answer.status).toBe(200);
    expect(answer.body.results.map((result: { status: string }) => result.status)).toEqual([
      'created',
      'invalid',
      'created',
    ]);
    expect(answer.body.results[1].errors[0].path).toMatch(/^reports\.1/);
  }, 60_000);
});
