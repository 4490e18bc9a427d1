import fc from 'fast-check';
import {
  aCasualtyReport,
  aDeploymentReport,
  aSanctionDemandReport,
  aViolationReport,
} from '@cm/contracts/testing';
import { validateReport } from '@cm/contracts';
import type { TestApp } from '@cm/test-support';
import { httpClient, startTestApp, TEST_KEYS } from '@cm/test-support';

/**
 * Bad input of every shape gets a 4xx with field paths, never a 5xx, and leaves nothing
 * half-written: the number of stored events grows by exactly the reports answered 201.
 * Hundreds of requests per property: each test has a timeout that holds on a loaded machine.
 */
describe('ingest under fuzzed bodies', () => {
  let testApp: TestApp;
  let ingest: ReturnType<typeof httpClient>;
  let reader: ReturnType<typeof httpClient>;

  beforeAll(async () => {
    testApp = await startTestApp();
    ingest = httpClient(testApp.baseUrl, TEST_KEYS.ingest);
    reader = httpClient(testApp.baseUrl, TEST_KEYS.read);
  }, 120_000);
  afterAll(async () => {
    await testApp?.close();
  }, 120_000);

  /** Every stored report passes validation again, as a rebuild would read it. */
  const expectEveryStoredReportValid = async () => {
    const { rows } = await testApp.database.pool.query<{ data: unknown; type: string }>(
      "SELECT type, data FROM events WHERE type LIKE '%Reported'",
    );
    const now = new Date(Date.now() + 60_000);
    const broken = rows.filter((row) => !validateReport(row.data, { now }).ok);
    expect(broken).toEqual([]);
  };

  const storedEvents = async () =>
    Number((await testApp.database.pool.query('SELECT count(*) AS n FROM events')).rows[0].n);

  const junk = fc.oneof(
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(-1),
    fc.constant(Number.MAX_VALUE),
    fc.constant('2999-01-01T00:00:00Z'),
    fc.constant('not-a-date'),
    // What PostgreSQL cannot store or replay.
    fc.constantFrom('a\u0000b', '\u0000', '\ud800', 'x\udc00y', '\ude00\ud83d'),
    fc.constantFrom(
      '0000-01-01T00:00:00Z',
      '0001-01-01T00:00:00Z',
      '1899-12-31T23:59:59Z',
      '-000001-01-01T00:00:00Z',
      '+010000-01-01T00:00:00Z',
    ),
    fc.array(fc.anything(), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.anything(), { maxKeys: 3 }),
  );

  /** A valid report of any type with one path replaced by junk, or deleted. */
  const mutatedReport = fc
    .tuple(
      fc.constantFrom(aDeploymentReport, aCasualtyReport, aViolationReport, aSanctionDemandReport),
      fc.nat(),
      fc.option(junk, { nil: undefined }),
      fc.uuid(),
    )
    .map(([build, pick, value, id]) => {
      const report = build({ reportId: `fuzz-${id}` }) as Record<string, any>;
      const paths: string[][] = [];
      const walk = (node: any, path: string[]) => {
        if (node && typeof node === 'object') {
          for (const key of Object.keys(node)) {
            paths.push([...path, key]);
            walk(node[key], [...path, key]);
          }
        }
      };
      walk(report, []);
      const path = paths[pick % paths.length];
      let parent: any = report;
      for (const key of path.slice(0, -1)) parent = parent[key];
      if (value === undefined) delete parent[path[path.length - 1]];
      else parent[path[path.length - 1]] = value;
      return report;
    });

  it('answers every mutated report with 201, 200 (duplicate) or a 4xx problem with field paths', async () => {
    let created = 0;
    const before = await storedEvents();
    await fc.assert(
      fc.asyncProperty(mutatedReport, async (report) => {
        const response = await ingest('POST', '/v1/reports', report);
        if (response.status === 201) {
          created += 1;
          return;
        }
        // Shrinking replays earlier inputs: the same report again is a duplicate.
        if (response.status === 200) return;
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        expect(response.headers.get('content-type')).toContain('application/problem+json');
        if (response.status === 400) {
          expect(response.body.errors.length).toBeGreaterThan(0);
          for (const error of response.body.errors) expect(typeof error.path).toBe('string');
        }
      }),
      { numRuns: 300 },
    );
    expect(await storedEvents()).toBe(before + created);
  }, 120_000);

  it('answers arbitrary JSON and arbitrary bytes with a 4xx, never a 5xx', async () => {
    const before = await storedEvents();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.json(),
          fc.string(),
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
        ),
        fc.constantFrom(
          '/v1/reports',
          '/v1/reports/batch',
          '/v1/reports/some-id/corrections',
          '/v1/reports/some-id/retraction',
        ),
        async (body, path) => {
          const response = await ingest('POST', path, body);
          expect(response.status).toBeGreaterThanOrEqual(400);
          expect(response.status).toBeLessThan(500);
        },
      ),
      { numRuns: 300 },
    );
    expect(await storedEvents()).toBe(before);
  }, 120_000);
  const BUILDERS = [aDeploymentReport, aCasualtyReport, aViolationReport, aSanctionDemandReport];
  const BAD_TEXT = fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff');

  /** Paths to every string of a report. */
  const stringPaths = (node: unknown, path: string[] = []): string[][] =>
    typeof node === 'string'
      ? [path]
      : node && typeof node === 'object'
        ? Object.entries(node).flatMap(([key, child]) => stringPaths(child, [...path, key]))
        : [];

  /** A valid report with a NUL or an unpaired surrogate put somewhere into one of its strings. */
  const poisonedReport = fc
    .tuple(fc.constantFrom(...BUILDERS), fc.nat(), fc.nat(), BAD_TEXT, fc.uuid())
    .map(([build, pick, at, bad, id]) => {
      const report = build({ reportId: `poison-${id}` }) as Record<string, any>;
      const paths = stringPaths(report).filter((path) => path[0] !== 'reportId');
      const path = paths[pick % paths.length];
      let parent: any = report;
      for (const key of path.slice(0, -1)) parent = parent[key];
      const text: string = parent[path[path.length - 1]];
      const where = at % (text.length + 1);
      parent[path[path.length - 1]] = text.slice(0, where) + bad + text.slice(where);
      return { report, path: path.join('.') };
    });

  it('refuses a NUL or an unpaired surrogate in any string of any report with 400 at its path', async () => {
    const before = await storedEvents();
    let fiveHundreds = 0;
    await fc.assert(
      fc.asyncProperty(poisonedReport, async ({ report, path }) => {
        const response = await ingest('POST', '/v1/reports', report);
        if (response.status >= 500) fiveHundreds += 1;
        expect(response.status).toBe(400);
        expect(response.headers.get('content-type')).toContain('application/problem+json');
        expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(path);
      }),
      { numRuns: 200 },
    );
    expect(fiveHundreds).toBe(0);
    expect(await storedEvents()).toBe(before);
  }, 120_000);

  it('answers poisoned batch items as invalid and stores every other item', async () => {
    const before = await storedEvents();
    let created = 0;
    let batch = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            poisonedReport.map((item) => ({ ...item, bad: true })),
            fc.constant(null),
          ),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        async (shape) => {
          batch += 1;
          const items = shape.map((item, index) =>
            item
              ? item
              : {
                  report: BUILDERS[index % BUILDERS.length]({
                    reportId: `fuzz-batch-${batch}-${index}`,
                  }),
                  bad: false,
                  path: '',
                },
          );
          const response = await ingest('POST', '/v1/reports/batch', {
            reports: items.map((item) => item.report),
          });
          expect(response.status).toBe(200);
          items.forEach((item, index) => {
            const result = response.body.results[index];
            if (item.bad) {
              expect(result.status).toBe('invalid');
              expect(result.errors.map((e: { path: string }) => e.path)).toContain(
                `reports.${index}.${item.path}`,
              );
            } else {
              // Shrinking replays a batch: its good items are duplicates then.
              expect(['created', 'duplicate']).toContain(result.status);
              if (result.status === 'created') created += 1;
            }
          });
        },
      ),
      { numRuns: 60 },
    );
    expect(await storedEvents()).toBe(before + created);
  }, 120_000);

  it('takes report ids of 1 to 128 characters end to end and refuses longer ones', async () => {
    const idChars = fc.constantFrom(...'ABCxyz0189._:-'.split(''));
    let serial = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 140 }),
        fc.array(idChars, { minLength: 140, maxLength: 140 }),
        async (length, chars) => {
          serial += 1;
          const id = `${serial}-${chars.join('')}`.slice(0, length);
          const report = aCasualtyReport({ reportId: id });
          const filed = await ingest('POST', '/v1/reports', report);
          if (length > 128) {
            expect(filed.status).toBe(400);
            expect(filed.body.errors[0].path).toBe('reportId');
            return;
          }
          expect([200, 201]).toContain(filed.status);
          // `.` and `..` alone are path segments to a URL parser, not ids.
          const read = await reader('GET', `/v1/reports/${encodeURIComponent(id)}`);
          if (id === '.' || id === '..') expect(read.status).toBeLessThan(500);
          else expect(read.status).toBe(200);
        },
      ),
      { numRuns: 80 },
    );
  }, 120_000);

  const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const garbageCursor = fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.json().map((text) => Buffer.from(text).toString('base64url')),
    fc
      .tuple(fc.constantFrom('casualties', 'deployments', 'alerts'), fc.anything({ maxDepth: 2 }))
      .map(([scope, key]) => base64url({ s: scope, k: key })),
    fc
      .tuple(
        fc.constantFrom('casualties', 'deployments'),
        fc.oneof(
          fc.string(),
          fc.constantFrom('0000-01-01T00:00:00.000Z', '0', '+275760-09-13T00:00:00.000Z'),
        ),
        fc.oneof(fc.string(), fc.constant('x\u0000')),
      )
      .map(([scope, o, r]) => base64url({ s: scope, k: { o, r } })),
    fc
      .tuple(
        fc.oneof(fc.string(), fc.constantFrom('0', '0000-01-01T00:00:00Z', 'Tuesday')),
        fc.uuid(),
      )
      .map(([t, a]) => base64url({ s: 'alerts', k: { t, a } })),
  );

  it('answers garbage cursors, path and query parameters with a 4xx or a page, never a 5xx', async () => {
    const lists = [
      '/v1/theatres/russia-ukraine/casualties',
      '/v1/theatres/russia-ukraine/deployments',
      '/v1/theatres/russia-ukraine/ceasefire-violations',
      '/v1/theatres/russia-ukraine/sanction-demands',
      '/v1/alerts',
    ];
    // The lists answer 404 to an unknown theatre before reading the cursor.
    await ingest('POST', '/v1/reports', aCasualtyReport({ reportId: 'fuzz-cursor-seed' }));
    for (let tries = 0; (await reader('GET', lists[0])).status !== 200; tries++) {
      if (tries > 600) throw new Error('the theatre was never projected');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const statuses: number[] = [];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...lists), garbageCursor, async (list, cursor) => {
        const response = await reader('GET', `${list}?cursor=${encodeURIComponent(cursor)}`);
        statuses.push(response.status);
        expect(response.status).toBeLessThan(500);
        expect(response.headers.get('content-type')).toMatch(/json/);
      }),
      { numRuns: 150 },
    );
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.constantFrom('\u0000', 'a\u0000', '%00', '%', '%E0%A4%A'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          '/v1/reports/{}',
          '/v1/theatres/{}/overview',
          '/v1/theatres/{}/casualties',
          '/v1/alerts/{}',
          '/v1/alerts?rule={}',
          '/v1/alerts?theatre={}',
          '/v1/theatres/russia-ukraine/casualties?party={}',
          '/v1/theatres/russia-ukraine/overview?asOf={}',
          '/v1/events?after={}',
        ),
        text,
        fc.boolean(),
        async (template, value, raw) => {
          // Raw: the percent signs as typed (a bad escape included); else encoded as a client would.
          const part = raw ? value.replace(/[/?#&\s]/g, '') : encodeURIComponent(value);
          const response = await reader('GET', template.replace('{}', part));
          statuses.push(response.status);
          expect(response.status).toBeLessThan(500);
        },
      ),
      { numRuns: 250 },
    );
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
  }, 120_000);

  it('stored nothing that would not pass validation again', async () => {
    await expectEveryStoredReportValid();
  }, 120_000);
});
