import { demoOptions, runDemo } from '../../scripts/demo/demo';
import {
  buildApps,
  startDistributedTestbed,
  type AppProcess,
  type BuiltApps,
  type DistributedTestbed,
} from '@cm/test-support/app-process';
import { TEST_KEYS } from '@cm/test-support';

jest.setTimeout(240_000);

/**
 * `npm run demo` against the distributed mode: the writes go to the ingest process, the reads
 * to the query process, and the lag gauges of ingest, projector and alerter must reach 0 first.
 * Before --ingest-url/--query-url the demo read the overview and the alerts from ingest (404).
 */
describe('the demo against split services (ingest, projector, alerter, query processes)', () => {
  let built: BuiltApps | undefined;
  let testbed: DistributedTestbed | undefined;
  let ingest: AppProcess;
  let projector: AppProcess;
  let alerter: AppProcess;
  let query: AppProcess;

  beforeAll(async () => {
    built = buildApps();
    testbed = await startDistributedTestbed(built);
    ({ ingest, projector, alerter, query } = await testbed.processes.startDistributed(testbed.env));
  }, 240_000);

  afterAll(async () => {
    await testbed?.stop();
    built?.remove();
  }, 120_000);

  it('files to ingest, reads the overview and the alerts from query', async () => {
    const options = demoOptions(
      [
        '--ingest-url',
        ingest.baseUrl,
        '--query-url',
        `${query.baseUrl}/`,
        ...[ingest, projector, alerter].flatMap((app) => ['--metrics-url', app.baseUrl]),
      ],
      { API_KEY: TEST_KEYS.both },
    );
    expect(options.queryUrl).toBe(query.baseUrl);
    const printed: string[] = [];
    try {
      await runDemo(options, (text) => printed.push(text));
    } catch (error) {
      throw new Error(`${String(error)}\n${printed.join('\n')}\n${testbed!.processes.outputs()}`, {
        cause: error,
      });
    }
    const output = printed.join('\n');
    expect(output).toContain(`Sending them to ${ingest.baseUrl} ...`);
    expect(output).toContain('reports: 36 filed (201)');
    expect(output).toContain(`Reading from ${query.baseUrl}.`);
    expect(output).not.toContain('does not serve');
    expect(output).toMatch(/^Overview of tarn-valley at /m);
    expect(output).toMatch(/Alerts \(7\)/);
    expect(testbed!.broker.errors).toEqual([]);

    // What the demo did before it had a query URL: read where it filed, from ingest, which
    // serves no overview, alerts or backtest.
    const onlyIngest = demoOptions([], { MONITOR_URL: ingest.baseUrl, API_KEY: TEST_KEYS.both });
    await expect(runDemo(onlyIngest, () => undefined)).rejects.toThrow(/answered 404/);
  });
});

describe('demoOptions', () => {
  it('defaults both URLs to MONITOR_URL, then its default, and reads INGEST_URL and QUERY_URL', () => {
    expect(demoOptions([], {})).toEqual({
      ingestUrl: 'http://127.0.0.1:3000',
      queryUrl: 'http://127.0.0.1:3000',
      metricsUrls: ['http://127.0.0.1:3000'],
      apiKey: undefined,
    });
    expect(demoOptions([], { MONITOR_URL: 'http://m:1/' })).toMatchObject({
      ingestUrl: 'http://m:1',
      queryUrl: 'http://m:1',
    });
    expect(
      demoOptions([], {
        MONITOR_URL: 'http://m:1',
        INGEST_URL: 'http://i:3000',
        QUERY_URL: 'http://q:3001',
        METRICS_URLS: 'http://i:3000,http://p:3002,http://a:3003',
      }),
    ).toEqual({
      ingestUrl: 'http://i:3000',
      queryUrl: 'http://q:3001',
      metricsUrls: ['http://i:3000', 'http://p:3002', 'http://a:3003'],
      apiKey: undefined,
    });
    expect(
      demoOptions(['--query-url', 'http://flag:1'], { QUERY_URL: 'http://env:1' }).queryUrl,
    ).toBe('http://flag:1');
  });

  it('refuses an unknown flag or a URL that is not http(s), with the usage', () => {
    expect(() => demoOptions(['--query', 'x'], {})).toThrow(/usage: npm run demo/);
    expect(() => demoOptions(['--ingest-url', 'localhost:3000'], {})).toThrow(
      /not an http\(s\) URL: localhost:3000/,
    );
  });
});
