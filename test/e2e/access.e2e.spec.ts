import { createHash } from 'node:crypto';
import { AlerterService } from '@cm/alerter';
import { aCasualtyReport, aDeploymentReport } from '@cm/contracts/testing';
import type { TestApp } from '@cm/test-support';
import { httpClient, startTestApp } from '@cm/test-support';

/**
 * Who may do what, and who did what: named and sha256-hashed keys, the key's name and the
 * request's id on every stored event, per-key rate limits, and keys checked before the body
 * is read. Real app, real PostgreSQL, real HTTP.
 */

const SECRETS = {
  feeds: 'feeds-secret-0001',
  dashboard: 'dashboard-secret-01',
  legacy: 'legacy-secret-0001',
  ops: 'ops-secret-000001',
} as const;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const LEGACY_NAME = sha256(SECRETS.legacy).slice(0, 8);
const API_KEYS = [
  `feeds=${SECRETS.feeds}:ingest`,
  // The configuration holds only the hash of the dashboard's key.
  `dashboard=sha256:${sha256(SECRETS.dashboard)}:read`,
  `${SECRETS.legacy}:ingest+read`,
  `ops=${SECRETS.ops}:admin`,
].join(',');

type Response = { status: number; headers: Headers; body: any; text: string };

const expectProblem = (response: Response, status: number, code?: string) => {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect(response.body).toMatchObject({ status, ...(code ? { code } : {}) });
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('access: named and hashed keys, provenance, auth before the body', () => {
  let testApp: TestApp;
  let feeds: ReturnType<typeof httpClient>;
  let dashboard: ReturnType<typeof httpClient>;
  let legacy: ReturnType<typeof httpClient>;
  let ops: ReturnType<typeof httpClient>;
  let anonymous: ReturnType<typeof httpClient>;

  beforeAll(async () => {
    testApp = await startTestApp({ env: { API_KEYS } });
    feeds = httpClient(testApp.baseUrl, SECRETS.feeds);
    dashboard = httpClient(testApp.baseUrl, SECRETS.dashboard);
    legacy = httpClient(testApp.baseUrl, SECRETS.legacy);
    ops = httpClient(testApp.baseUrl, SECRETS.ops);
    anonymous = httpClient(testApp.baseUrl);
  }, 120_000);
  afterAll(async () => {
    await testApp?.close();
  }, 60_000);

  const history = async (reportId: string) => {
    const response = await dashboard('GET', `/v1/reports/${reportId}`);
    expect(response.status).toBe(200);
    return response.body.history as { type: string; recordedBy: string; requestId: string }[];
  };

  describe('named and sha256-hashed keys', () => {
    it('accepts a named key, a key configured by its sha256, and an old unnamed key', async () => {
      expect(
        (await feeds('POST', '/v1/reports', aDeploymentReport({ reportId: 'acc-keys-1' }))).status,
      ).toBe(201);
      expect((await dashboard('GET', '/v1/reports/acc-keys-1')).status).toBe(200);
      expect((await legacy('GET', '/v1/reports/acc-keys-1')).status).toBe(200);
      expect((await ops('GET', '/v1/reports/acc-keys-1')).status).toBe(200);
    });

    it('keeps each key to its roles (403), and refuses the hash itself as a key (401)', async () => {
      expectProblem(
        await dashboard('POST', '/v1/reports', aDeploymentReport({ reportId: 'acc-keys-2' })),
        403,
        'AUTH.FORBIDDEN',
      );
      expectProblem(await feeds('GET', '/v1/reports/acc-keys-1'), 403, 'AUTH.FORBIDDEN');
      const hashAsKey = httpClient(testApp.baseUrl, sha256(SECRETS.dashboard));
      expectProblem(await hashAsKey('GET', '/v1/reports/acc-keys-1'), 401, 'AUTH.UNAUTHENTICATED');
    });
  });

  describe('provenance: metadata.recordedBy and metadata.requestId', () => {
    it('records the key name and the client’s request id of a single report', async () => {
      const filed = await feeds(
        'POST',
        '/v1/reports',
        aCasualtyReport({ reportId: 'acc-prov-single' }),
        { 'x-request-id': 'importer-run-7:item-1' },
      );
      expect(filed.status).toBe(201);
      expect(await history('acc-prov-single')).toMatchObject([
        { type: 'CasualtyReported', recordedBy: 'feeds', requestId: 'importer-run-7:item-1' },
      ]);
    });

    it('records the id the server made when the client sent none (the one it answered)', async () => {
      const filed = await legacy(
        'POST',
        '/v1/reports',
        aCasualtyReport({ reportId: 'acc-prov-generated' }),
      );
      expect(filed.status).toBe(201);
      const requestId = filed.headers.get('x-request-id');
      expect(requestId).toMatch(UUID);
      expect(await history('acc-prov-generated')).toMatchObject([
        { recordedBy: LEGACY_NAME, requestId },
      ]);
    });

    it('does not store an unusable client request id (too long): the server makes one', async () => {
      const filed = await feeds(
        'POST',
        '/v1/reports',
        aCasualtyReport({ reportId: 'acc-prov-long-id' }),
        { 'x-request-id': 'x'.repeat(300) },
      );
      expect(filed.status).toBe(201);
      expect(filed.headers.get('x-request-id')).toMatch(UUID);
      expect((await history('acc-prov-long-id'))[0].requestId).toBe(
        filed.headers.get('x-request-id'),
      );
    });

    it('records them on every item of a batch', async () => {
      const response = await legacy(
        'POST',
        '/v1/reports/batch',
        {
          reports: [
            aCasualtyReport({ reportId: 'acc-prov-batch-1' }),
            aDeploymentReport({ reportId: 'acc-prov-batch-2' }),
          ],
        },
        { 'x-request-id': 'nightly-import-42' },
      );
      expect(response.status).toBe(200);
      expect(response.body.results.map((r: { status: string }) => r.status)).toEqual([
        'created',
        'created',
      ]);
      for (const reportId of ['acc-prov-batch-1', 'acc-prov-batch-2']) {
        expect(await history(reportId)).toMatchObject([
          { recordedBy: LEGACY_NAME, requestId: 'nightly-import-42' },
        ]);
      }
    });

    it('records them on corrections and retractions, each by its own key and request', async () => {
      const reportId = 'acc-prov-lifecycle';
      const report = aCasualtyReport({ reportId });
      expect(
        (await feeds('POST', '/v1/reports', report, { 'x-request-id': 'file-1' })).status,
      ).toBe(201);
      const corrected = await ops(
        'POST',
        `/v1/reports/${reportId}/corrections`,
        { expectedVersion: 1, details: report.details, reason: 'checked against a second source' },
        { 'x-request-id': 'correct-1' },
      );
      expect(corrected.status).toBe(201);
      const retracted = await legacy(
        'POST',
        `/v1/reports/${reportId}/retraction`,
        { reason: 'source withdrew it' },
        { 'x-request-id': 'retract-1' },
      );
      expect(retracted.status).toBe(201);
      expect(await history(reportId)).toMatchObject([
        { type: 'CasualtyReported', recordedBy: 'feeds', requestId: 'file-1' },
        { type: 'ReportCorrected', recordedBy: 'ops', requestId: 'correct-1' },
        { type: 'ReportRetracted', recordedBy: LEGACY_NAME, requestId: 'retract-1' },
      ]);
    });

    it('answers the same report re-sent by another key as a duplicate, keeping the first provenance', async () => {
      const report = aDeploymentReport({ reportId: 'acc-prov-duplicate' });
      const first = await feeds('POST', '/v1/reports', report, { 'x-request-id': 'first' });
      expect(first.status).toBe(201);
      const again = await legacy('POST', '/v1/reports', report, { 'x-request-id': 'second' });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      expect(await history('acc-prov-duplicate')).toMatchObject([
        { recordedBy: 'feeds', requestId: 'first' },
      ]);
    });

    it('stores the key names in the events’ metadata, and never a secret', async () => {
      const { rows } = await testApp.database.pool.query<{ metadata: Record<string, unknown> }>(
        "SELECT metadata FROM events WHERE stream_id LIKE '%acc-prov-single'",
      );
      expect(rows.map((row) => row.metadata)).toEqual([
        expect.objectContaining({ recordedBy: 'feeds', requestId: 'importer-run-7:item-1' }),
      ]);
      const { rows: all } = await testApp.database.pool.query<{ text: string }>(
        'SELECT coalesce(string_agg(metadata::text || data::text, $$ $$), $$$$) AS text FROM events',
      );
      for (const secret of Object.values(SECRETS)) expect(all[0].text).not.toContain(secret);
    });
  });

  describe('alerts: who acknowledged and resolved', () => {
    it('records the key name of an acknowledge and of a resolve, and keeps it', async () => {
      // A foreign reinforcement with heavy weapons: two alerts in this theatre.
      expect(
        (
          await feeds(
            'POST',
            '/v1/reports',
            aDeploymentReport({ reportId: 'acc-alert-1', theatre: 'acc-alerts' }),
          )
        ).status,
      ).toBe(201);
      await testApp.app.get(AlerterService).waitUntilCaughtUp();
      const listed = await dashboard('GET', '/v1/alerts?theatre=acc-alerts');
      expect(listed.body.items).toHaveLength(2);
      const [first, second] = listed.body.items as { alertId: string }[];

      const acked = await dashboard('POST', `/v1/alerts/${first.alertId}/acknowledge`, {
        note: 'on it',
      });
      expect(acked.status).toBe(200);
      expect(acked.body.acknowledgement).toMatchObject({ note: 'on it', recordedBy: 'dashboard' });
      const resolved = await ops('POST', `/v1/alerts/${first.alertId}/resolve`);
      expect(resolved.status).toBe(200);
      expect(resolved.body.resolution).toMatchObject({ by: 'user', recordedBy: 'ops' });
      const direct = await legacy('POST', `/v1/alerts/${second.alertId}/resolve`);
      expect(direct.body.resolution).toMatchObject({ by: 'user', recordedBy: LEGACY_NAME });

      // Stored, not only answered.
      const again = await dashboard('GET', `/v1/alerts/${first.alertId}`);
      expect(again.body).toMatchObject({
        acknowledgement: { recordedBy: 'dashboard' },
        resolution: { recordedBy: 'ops' },
      });
    });
  });

  describe('the key is checked before the body is read', () => {
    it('answers 401 to a request without a key whose body is not JSON (not 400)', async () => {
      expectProblem(
        await anonymous('POST', '/v1/reports', '{"reportId": "acc-body-1", "broken', {
          'content-type': 'application/json',
        }),
        401,
        'AUTH.UNAUTHENTICATED',
      );
    });

    it('answers 401 to a request with a wrong key and a body over the limit (not 413)', async () => {
      const wrong = httpClient(testApp.baseUrl, 'not-a-configured-key');
      expectProblem(
        await wrong('POST', '/v1/reports/batch', `{"reports": "${'x'.repeat(2 * 1024 * 1024)}"}`, {
          'content-type': 'application/json',
        }),
        401,
        'AUTH.UNAUTHENTICATED',
      );
    });

    it('answers 403 to a key without the role, whatever the body (not 400)', async () => {
      expectProblem(
        await dashboard('POST', '/v1/reports/acc-keys-1/retraction', 'not json at all', {
          'content-type': 'application/json',
        }),
        403,
        'AUTH.FORBIDDEN',
      );
    });

    it('still reads the body of an authenticated request (400 for bad JSON)', async () => {
      expectProblem(
        await feeds('POST', '/v1/reports', '{"broken', { 'content-type': 'application/json' }),
        400,
      );
    });
  });
});

describe('access: open access records `anonymous`', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({ openAccess: true });
  }, 120_000);
  afterAll(async () => {
    await testApp?.close();
  }, 60_000);

  it('stores reports as filed by anonymous, with the request id', async () => {
    const client = httpClient(testApp.baseUrl);
    const filed = await client('POST', '/v1/reports', aCasualtyReport({ reportId: 'acc-open-1' }), {
      'x-request-id': 'local-script-1',
    });
    expect(filed.status).toBe(201);
    const report = await client('GET', '/v1/reports/acc-open-1');
    expect(report.body.history).toMatchObject([
      { recordedBy: 'anonymous', requestId: 'local-script-1' },
    ]);
  });
});

describe('access: per-key rate limits', () => {
  const LIMIT = 3;
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({
      env: { API_KEYS, RATE_LIMIT_PER_MINUTE: String(LIMIT) },
    });
  }, 120_000);
  afterAll(async () => {
    await testApp?.close();
  }, 60_000);

  it('answers 429 problem+json with Retry-After past the limit, per key, never on health, metrics or docs', async () => {
    const feeds = httpClient(testApp.baseUrl, SECRETS.feeds);
    const dashboard = httpClient(testApp.baseUrl, SECRETS.dashboard);
    const anonymous = httpClient(testApp.baseUrl);
    for (let i = 0; i < LIMIT; i += 1) {
      expect(
        (await feeds('POST', '/v1/reports', aCasualtyReport({ reportId: `acc-rl-${i}` }))).status,
      ).toBe(201);
    }
    const limited = await feeds(
      'POST',
      '/v1/reports',
      aCasualtyReport({ reportId: 'acc-rl-over' }),
    );
    expectProblem(limited, 429, 'REQUEST.RATE_LIMITED');
    expect(limited.body.detail).toContain('"feeds"');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Nothing of the limited request was stored.
    expect((await dashboard('GET', '/v1/reports/acc-rl-over')).status).toBe(404);

    // Another key has its own count (that GET was its first request).
    expect((await dashboard('GET', '/v1/reports/acc-rl-0')).status).toBe(200);
    // Operations are never limited.
    for (let i = 0; i < LIMIT + 2; i += 1) {
      expect((await anonymous('GET', '/health/live')).status).toBe(200);
      expect((await anonymous('GET', '/metrics')).status).toBe(200);
      expect((await anonymous('GET', '/docs-json')).status).toBe(200);
    }
  });
});
