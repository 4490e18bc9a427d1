import fc from 'fast-check';
import {
  aCasualtyReport,
  aDeploymentReport,
  aSanctionDemandReport,
  aViolationReport,
} from '../../libs/contracts/src/testing';
import { httpClient, startTestApp, TEST_KEYS, TestApp } from '../support';

/**
 * Bad input of every shape gets a 4xx with field paths, never a 5xx, and leaves nothing
 * half-written: the number of stored events grows by exactly the reports answered 201.
 */
describe('ingest under fuzzed bodies', () => {
  let testApp: TestApp;
  let ingest: ReturnType<typeof httpClient>;

  beforeAll(async () => {
    testApp = await startTestApp();
    ingest = httpClient(testApp.baseUrl, TEST_KEYS.ingest);
  }, 120_000);
  afterAll(async () => {
    await testApp.close();
  }, 120_000);

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
  });

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
  });
});
