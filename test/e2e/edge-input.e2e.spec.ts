import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import {
  aCasualtyReport,
  aDeploymentReport,
  aSanctionDemandReport,
  aViolationReport,
} from '@cm/contracts/testing';
import type { TestApp } from '@cm/test-support';
import { httpClient, startTestApp, TEST_KEYS } from '@cm/test-support';

type Response = { status: number; body: any; headers: Headers; text: string };

/**
 * Values the pipeline cannot store or replay (year 0, NUL, unpaired surrogates, %00 in a
 * URL, forged cursors) are refused at the door with a 400 naming the field; ids as long as
 * the contract allows work end to end; and every error, the HTTP framework's own included,
 * is problem+json.
 */
describe('edge input (real app, real PostgreSQL)', () => {
  let testApp: TestApp;
  let ingest: ReturnType<typeof httpClient>;
  let reader: ReturnType<typeof httpClient>;

  const storedEvents = async (): Promise<number> =>
    Number((await testApp.database.pool.query('SELECT count(*) AS n FROM events')).rows[0].n);
  const storedReport = async (reportId: string): Promise<number> =>
    Number(
      (
        await testApp.database.pool.query(
          "SELECT count(*) AS n FROM events WHERE data->>'reportId' = $1",
          [reportId],
        )
      ).rows[0].n,
    );

  const expectProblem = (response: Response, status: number, code?: string): void => {
    expect({ status: response.status, body: response.body }).toMatchObject({ status });
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body).toMatchObject({
      type: expect.any(String),
      title: expect.any(String),
      status,
      detail: expect.any(String),
      code: code ?? expect.any(String),
    });
  };
  const expectInvalid = (response: Response, path: string): void => {
    expectProblem(response, 400, 'REQUEST.INVALID');
    expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(path);
  };

  beforeAll(async () => {
    testApp = await startTestApp();
    ingest = httpClient(testApp.baseUrl, TEST_KEYS.ingest);
    reader = httpClient(testApp.baseUrl, TEST_KEYS.read);
    // The theatre lists answer 404 to an unknown theatre before reading their parameters.
    expect(
      (await ingest('POST', '/v1/reports', aCasualtyReport({ reportId: 'edge-seed' }))).status,
    ).toBe(201);
    for (let tries = 0; ; tries++) {
      const overview = await reader('GET', '/v1/theatres/russia-ukraine/overview');
      if (overview.status === 200) break;
      if (tries > 600) throw new Error(`theatre not projected: ${overview.status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 120_000);
  afterAll(async () => {
    await testApp?.close();
  }, 60_000);

  describe('dates the pipeline can store', () => {
    it('refuses occurredAt in year 0 with 400 on occurredAt, storing nothing', async () => {
      const before = await storedEvents();
      const report = aCasualtyReport({
        reportId: 'edge-year-0',
        occurredAt: '0000-01-01T00:00:00Z',
      });
      expectInvalid(await ingest('POST', '/v1/reports', report), 'occurredAt');
      expect(await storedEvents()).toBe(before);
    });

    it.each([
      ['occurredAt', { occurredAt: '1899-12-31T23:59:59Z' }],
      ['reportedAt', { reportedAt: '0001-01-01T00:00:00Z', occurredAt: '0001-01-01T00:00:00Z' }],
    ])('refuses %s before 1900', async (path, overrides) => {
      const report = aDeploymentReport({ reportId: `edge-early-${path}`, ...overrides });
      expectInvalid(await ingest('POST', '/v1/reports', report), path);
    });

    it('accepts 1900-01-01T00:00:00Z, the earliest instant', async () => {
      const report = aDeploymentReport({
        reportId: 'edge-1900',
        occurredAt: '1900-01-01T00:00:00Z',
        reportedAt: '1900-01-01T00:00:00Z',
      });
      expect((await ingest('POST', '/v1/reports', report)).status).toBe(201);
    });

    it('refuses a correction to year 0 with 400 on occurredAt', async () => {
      const report = aCasualtyReport({ reportId: 'edge-correct-year-0' });
      expect((await ingest('POST', '/v1/reports', report)).status).toBe(201);
      const response = await ingest('POST', '/v1/reports/edge-correct-year-0/corrections', {
        expectedVersion: 1,
        details: report.details,
        occurredAt: '0000-01-01T00:00:00Z',
        reason: 'wrong date',
      });
      expectInvalid(response, 'occurredAt');
      expect(await storedReport('edge-correct-year-0')).toBe(1);
    });

    it('refuses a backtest range before 1900 with its path', async () => {
      expectInvalid(
        await reader('POST', '/v1/rules/backtest', { from: '0000-01-01T00:00:00Z' }),
        'from',
      );
      expectInvalid(
        await reader('POST', '/v1/rules/backtest', { to: '1899-01-01T00:00:00Z' }),
        'to',
      );
    });

    it.each([
      ['/v1/theatres/russia-ukraine/casualties?from=0000-01-01T00:00:00Z', 'from'],
      ['/v1/theatres/russia-ukraine/deployments?to=1899-12-31T00:00:00Z', 'to'],
      ['/v1/theatres/russia-ukraine/overview?asOf=0000-01-01T00:00:00Z', 'asOf'],
    ])('refuses %s with 400 on %s', async (path, param) => {
      expectInvalid(await reader('GET', path), param);
    });
  });

  describe('text without NUL or unpaired surrogates', () => {
    const NUL = 'a\u0000b';
    const HIGH = 'a\ud800b';
    const LOW = 'a\udc00';
    const cases: [string, string, () => Record<string, any>][] = [
      ['source.name', NUL, () => aCasualtyReport()],
      ['source.name', HIGH, () => aCasualtyReport()],
      ['source.url', NUL, () => aCasualtyReport()],
      ['location.name', LOW, () => aDeploymentReport()],
      ['details.equipment.0.description', NUL, () => aDeploymentReport()],
      ['details.equipment.1.description', HIGH, () => aDeploymentReport()],
      ['details.sanctions.0.target', NUL, () => aSanctionDemandReport()],
      ['details.sanctions.0.measure', LOW, () => aSanctionDemandReport()],
      ['details.description', NUL, () => aViolationReport()],
      ['details.target', HIGH, () => aViolationReport()],
    ];
    const withText = (build: () => Record<string, any>, path: string, text: string, id: string) => {
      const report = build();
      report.reportId = id;
      const keys = path.split('.');
      let node = report;
      for (const key of keys.slice(0, -1)) node = node[key];
      node[keys[keys.length - 1]] = path === 'source.url' ? `https://example.org/${text}` : text;
      return report;
    };
    // JSON.stringify escapes a lone surrogate as \udXXX; the raw body carries it as sent.
    const raw = (value: unknown) => JSON.stringify(value);

    it.each(cases)(
      'refuses %s with %j in a single POST (400 with the path)',
      async (path, text, build) => {
        const id = `edge-text-${path}-${text.charCodeAt(1)}`;
        const report = withText(build, path, text, id);
        expectInvalid(await ingest('POST', '/v1/reports', raw(report)), path);
        expect(await storedReport(id)).toBe(0);
      },
    );

    it('answers such an item of a batch as invalid and stores the others', async () => {
      const items = cases.map(([path, text, build], index) =>
        withText(build, path, text, `edge-batch-bad-${index}`),
      );
      const good = [
        aCasualtyReport({ reportId: 'edge-batch-good-1' }),
        aViolationReport({ reportId: 'edge-batch-good-2' }),
      ];
      const response = await ingest(
        'POST',
        '/v1/reports/batch',
        raw({ reports: [good[0], ...items, good[1]] }),
      );
      expect(response.status).toBe(200);
      const results = response.body.results;
      expect(results[0]).toMatchObject({ status: 'created', reportId: 'edge-batch-good-1' });
      expect(results[results.length - 1]).toMatchObject({ status: 'created' });
      cases.forEach(([path], i) => {
        expect(results[i + 1]).toMatchObject({ index: i + 1, status: 'invalid' });
        expect(results[i + 1].errors.map((e: { path: string }) => e.path)).toContain(
          `reports.${i + 1}.${path}`,
        );
      });
      expect(await storedReport('edge-batch-good-1')).toBe(1);
      expect(await storedReport('edge-batch-good-2')).toBe(1);
      for (let i = 0; i < items.length; i++)
        expect(await storedReport(`edge-batch-bad-${i}`)).toBe(0);
    });

    it('answers good reports 201 while poisoned ones sent at the same moment get 400', async () => {
      // Concurrent single filings share transactions: a poisoned one used to fail them all.
      const source = aCasualtyReport().source;
      const requests = Array.from({ length: 128 }, (_, i) =>
        i % 4 === 3
          ? {
              good: false,
              report: aCasualtyReport({
                reportId: `edge-together-bad-${i}`,
                source: { ...source, name: i % 8 === 3 ? 'x\u0000' : 'y\ud800' },
              }),
            }
          : { good: true, report: aCasualtyReport({ reportId: `edge-together-good-${i}` }) },
      );
      const responses = await Promise.all(
        requests.map(({ report }) => ingest('POST', '/v1/reports', raw(report))),
      );
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((_, i) => requests[i].good)).toEqual(Array(96).fill(201));
      expect(statuses.filter((_, i) => !requests[i].good)).toEqual(Array(32).fill(400));
      const { rows } = await testApp.database.pool.query<{ n: string }>(
        "SELECT count(*) AS n FROM events WHERE data->>'reportId' LIKE 'edge-together-%'",
      );
      expect(Number(rows[0].n)).toBe(96);
    });

    it('refuses NUL and lone surrogates in correction and retraction reasons', async () => {
      const report = aCasualtyReport({ reportId: 'edge-reasons' });
      expect((await ingest('POST', '/v1/reports', report)).status).toBe(201);
      expectInvalid(
        await ingest(
          'POST',
          '/v1/reports/edge-reasons/corrections',
          raw({ expectedVersion: 1, details: report.details, reason: 'typo\u0000' }),
        ),
        'reason',
      );
      expectInvalid(
        await ingest(
          'POST',
          '/v1/reports/edge-reasons/corrections',
          raw({
            expectedVersion: 1,
            details: { ...report.details, party: 'UA' },
            reason: 'ok',
            occurredAt: '2024-01-01T00:00:00Z',
          }).replace('"ok"', '"\\ud800"'),
        ),
        'reason',
      );
      expectInvalid(
        await ingest('POST', '/v1/reports/edge-reasons/retraction', raw({ reason: '\udfff' })),
        'reason',
      );
      expect(await storedReport('edge-reasons')).toBe(1);
    });
  });

  describe('%00 and odd text in the URL', () => {
    it.each([
      ['GET', '/v1/reports/abc%00def'],
      ['GET', '/v1/theatres/ru%00/overview'],
      ['GET', '/v1/theatres/ru%00/casualties'],
      ['GET', '/v1/alerts/ab%00'],
    ])('%s %s answers 400 naming the path parameter', async (method, path) => {
      const response = await reader(method, path);
      expectProblem(response, 400, 'REQUEST.INVALID');
      expect(response.body.errors[0].path).toMatch(/^(id|theatre)$/);
    });

    it.each([
      ['POST', '/v1/reports/abc%00def/corrections'],
      ['POST', '/v1/reports/abc%00def/retraction'],
    ])('%s %s answers 400 naming the path parameter', async (method, path) => {
      const response = await ingest(method, path, { reason: 'x' });
      expectInvalid(response, 'id');
    });

    it.each([
      ['/v1/alerts?rule=%00', 'rule'],
      ['/v1/alerts?rule=a%00b&theatre=x', 'rule'],
      ['/v1/alerts?note%00=1', 'note\u0000'],
      ['/v1/theatres/russia-ukraine/casualties?party=%00', 'party'],
      ['/v1/events?after=%00', 'after'],
    ])('GET %s answers 400 on %j', async (path, param) => {
      expectInvalid(await reader('GET', path), param);
    });
  });

  it('answers a query value that is not UTF-8 (%ED%A0%80, a lone surrogate) without a 5xx', async () => {
    const response = await reader('GET', '/v1/alerts?rule=%ED%A0%80');
    expect(response.status).toBeLessThan(500);
    if (response.status === 200) expect(response.body.items).toEqual([]);
  });

  describe('tampered cursors', () => {
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    it.each([
      [
        '/v1/theatres/russia-ukraine/casualties',
        b64({ s: 'casualties', k: { o: '0000-01-01T00:00:00.000Z', r: 'x' } }),
      ],
      [
        '/v1/theatres/russia-ukraine/casualties',
        b64({ s: 'casualties', k: { o: '2024-01-01T00:00:00.000Z', r: 'x\u0000' } }),
      ],
      ['/v1/theatres/russia-ukraine/deployments', 'garbage!!'],
      [
        '/v1/theatres/russia-ukraine/deployments',
        b64({ s: 'deployments', k: { o: '+275760-09-13T00:00:00.000Z', r: 'x' } }),
      ],
      [
        '/v1/alerts',
        b64({ s: 'alerts', k: { t: '0', a: '00000000-0000-0000-0000-000000000000' } }),
      ],
      [
        '/v1/alerts',
        b64({ s: 'alerts', k: { t: 'Tuesday 1 BC', a: '00000000-0000-0000-0000-000000000000' } }),
      ],
      [
        '/v1/alerts',
        b64({
          s: 'alerts',
          k: { t: '0000-01-01T00:00:00Z', a: '00000000-0000-0000-0000-000000000000' },
        }),
      ],
      ['/v1/alerts', b64({ s: 'alerts', k: { t: '2024-01-01T00:00:00Z', a: 'not-a-uuid' } })],
      ['/v1/alerts', '%00'],
    ])('GET %s?cursor=%s answers 400 on cursor', async (path, cursor) => {
      const query = cursor === '%00' ? cursor : encodeURIComponent(cursor);
      expectInvalid(await reader('GET', `${path}?cursor=${query}`), 'cursor');
    });

    it.each(['99999999999', '-1', 'abc'])(
      'GET /v1/events?after=%s answers 400 on after',
      async (after) => {
        expectInvalid(await reader('GET', `/v1/events?after=${after}`), 'after');
      },
    );
  });

  describe('report ids of 101 to 128 characters', () => {
    it.each([101, 128])(
      'reads, corrects and retracts a report with a %i-character id',
      async (length) => {
        const id = `edge-long-${length}-`.padEnd(length, 'x');
        expect(id).toHaveLength(length);
        const report = aCasualtyReport({ reportId: id });
        expect((await ingest('POST', '/v1/reports', report)).status).toBe(201);

        const read = await reader('GET', `/v1/reports/${id}`);
        expect(read.status).toBe(200);
        expect(read.body).toMatchObject({ reportId: id, version: 1 });

        const corrected = await ingest('POST', `/v1/reports/${id}/corrections`, {
          expectedVersion: 1,
          details: { ...report.details, count: { best: 1 } },
          reason: 'revised figure',
        });
        expect(corrected.status).toBe(201);
        expect(corrected.body).toEqual({ reportId: id, version: 2 });

        const retracted = await ingest('POST', `/v1/reports/${id}/retraction`, {
          reason: 'source withdrew it',
        });
        expect(retracted.status).toBe(201);
        expect(retracted.body).toEqual({ reportId: id, version: 3 });
        expect((await reader('GET', `/v1/reports/${id}`)).body).toMatchObject({ retracted: true });
      },
    );

    it('answers an id over the 256-character route limit with a 414 problem', async () => {
      expectProblem(
        await reader('GET', `/v1/reports/${'x'.repeat(300)}`),
        414,
        'REQUEST.URI_TOO_LONG',
      );
    });
  });

  describe("the framework's own errors as problem+json", () => {
    it('unknown route: 404 ROUTE.NOT_FOUND', async () => {
      expectProblem(await reader('GET', '/v1/nowhere'), 404, 'ROUTE.NOT_FOUND');
      expectProblem(await reader('DELETE', '/v1/reports/x'), 404, 'ROUTE.NOT_FOUND');
    });

    it('bad URL encoding: 400 REQUEST.BAD_URL', async () => {
      expectProblem(await reader('GET', '/v1/reports/%E0%A4%A'), 400, 'REQUEST.BAD_URL');
    });

    it('unsupported media type: 415 REQUEST.UNSUPPORTED_MEDIA_TYPE', async () => {
      const response = await ingest('POST', '/v1/reports', 'hello', {
        'content-type': 'text/plain',
      });
      expectProblem(response, 415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE');
    });

    it('a form body: 415 REQUEST.UNSUPPORTED_MEDIA_TYPE too', async () => {
      const response = await ingest('POST', '/v1/reports', 'a=1', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expectProblem(response, 415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE');
    });

    it('malformed JSON stays 400 REQUEST.MALFORMED_JSON', async () => {
      expectProblem(await ingest('POST', '/v1/reports', '{"a":'), 400, 'REQUEST.MALFORMED_JSON');
    });

    /** One request over a raw socket: Node's HTTP parser answers these before Fastify. */
    const rawExchange = (
      requestText: string,
    ): Promise<{ status: number; type: string; body: any }> =>
      new Promise((resolve, reject) => {
        const url = new URL(testApp.baseUrl);
        const socket = connect(Number(url.port), url.hostname);
        let data = '';
        socket.setEncoding('latin1');
        socket.on('data', (chunk) => (data += chunk));
        socket.on('error', reject);
        socket.on('close', () => {
          const [head, ...rest] = data.split('\r\n\r\n');
          const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
          const type = /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? '';
          let body: unknown;
          try {
            body = JSON.parse(rest.join('\r\n\r\n'));
          } catch {
            body = rest.join('\r\n\r\n');
          }
          resolve({ status, type, body });
        });
        socket.write(requestText);
      });

    it('header fields too large: 431 REQUEST.HEADERS_TOO_LARGE over a raw socket', async () => {
      const answer = await rawExchange(
        `GET /v1/theatres HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      );
      expect(answer.status).toBe(431);
      expect(answer.type).toContain('application/problem+json');
      expect(answer.body).toMatchObject({
        status: 431,
        code: 'REQUEST.HEADERS_TOO_LARGE',
        type: expect.any(String),
        title: expect.any(String),
        detail: expect.any(String),
      });
    });

    it('a request line too long: 431 or 414 problem+json over a raw socket', async () => {
      const answer = await rawExchange(
        `GET /v1/reports/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`,
      );
      expect([414, 431]).toContain(answer.status);
      expect(answer.type).toContain('application/problem+json');
      expect(answer.body).toMatchObject({ status: answer.status, code: expect.any(String) });
    });

    it('414 over node:http for an over-long route parameter', async () => {
      const url = new URL(`${testApp.baseUrl}/v1/reports/${'y'.repeat(1000)}`);
      const answer = await new Promise<{ status: number; type: string; body: any }>(
        (resolve, reject) => {
          const request = httpRequest(
            url,
            { headers: { authorization: `Bearer ${TEST_KEYS.read}` } },
            (response) => {
              let text = '';
              response.setEncoding('utf8');
              response.on('data', (chunk) => (text += chunk));
              response.on('end', () =>
                resolve({
                  status: response.statusCode ?? 0,
                  type: String(response.headers['content-type']),
                  body: JSON.parse(text),
                }),
              );
            },
          );
          request.on('error', reject);
          request.end();
        },
      );
      expect(answer.status).toBe(414);
      expect(answer.type).toContain('application/problem+json');
      expect(answer.body).toMatchObject({ status: 414, code: 'REQUEST.URI_TOO_LONG' });
    });
  });
});
