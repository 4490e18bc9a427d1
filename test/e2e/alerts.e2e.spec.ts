import { AlerterService } from '@cm/alerter';
import { aDeploymentReport } from '@cm/contracts/testing';
import { httpClient, startTestApp, TEST_KEYS } from '@cm/test-support';
import type { TestApp } from '@cm/test-support';

jest.setTimeout(60_000);

/** A deployment that meets foreign-reinforcement and heavy-weapons-transfer: two alerts. */
const reinforcement = (reportId: string, theatre: string) =>
  aDeploymentReport({ reportId, theatre });

describe('alerts over HTTP', () => {
  let app: TestApp;
  let read: ReturnType<typeof httpClient>;
  let ingest: ReturnType<typeof httpClient>;

  async function caughtUp(): Promise<void> {
    await app.app.get(AlerterService).waitUntilCaughtUp();
  }

  async function alertsOf(theatre: string): Promise<any[]> {
    const { status, body } = await read('GET', `/v1/alerts?theatre=${theatre}`);
    expect(status).toBe(200);
    return body.items;
  }

  beforeAll(async () => {
    app = await startTestApp();
    read = httpClient(app.baseUrl, TEST_KEYS.read);
    ingest = httpClient(app.baseUrl, TEST_KEYS.ingest);
  }, 120_000);
  afterAll(() => app.close(), 120_000);

  it('raises the default rules’ alerts for reports that meet them', async () => {
    expect((await ingest('POST', '/v1/reports', reinforcement('kp-1', 'kursk'))).status).toBe(201);
    await caughtUp();
    const alerts = await alertsOf('kursk');
    expect(alerts.map((alert) => alert.rule).sort()).toEqual([
      'foreign-reinforcement',
      'heavy-weapons-transfer',
    ]);
    expect(alerts[0]).toMatchObject({
      theatre: 'kursk',
      status: 'open',
      severity: 'high',
      windowStart: '2024-11-04T00:00:00.000Z',
      evidence: [{ reportId: 'kp-1', type: 'deployment', occurredAt: '2024-11-04T00:00:00.000Z' }],
    });
    const one = await read('GET', `/v1/alerts/${alerts[0].alertId}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(alerts[0]);
  });

  it('moves an alert open -> acknowledged -> resolved and refuses other transitions with 409', async () => {
    await ingest('POST', '/v1/reports', reinforcement('kp-2', 'lifecycle'));
    await caughtUp();
    const [alert] = await alertsOf('lifecycle');
    const path = `/v1/alerts/${alert.alertId}`;

    const acked = await read('POST', `${path}/acknowledge`, { note: 'on it' });
    expect(acked.status).toBe(200);
    expect(acked.body).toMatchObject({
      status: 'acknowledged',
      acknowledgement: { note: 'on it' },
    });
    const again = await read('POST', `${path}/acknowledge`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ status: 409, code: 'ALERT.ILLEGAL_TRANSITION' });
    expect(again.headers.get('content-type')).toContain('application/problem+json');

    const resolved = await read('POST', `${path}/resolve`, { note: 'confirmed and escalated' });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({
      status: 'resolved',
      resolution: { by: 'user', note: 'confirmed and escalated' },
      acknowledgement: { note: 'on it' },
    });
    expect((await read('POST', `${path}/acknowledge`)).status).toBe(409);
    expect((await read('POST', `${path}/resolve`)).status).toBe(409);
    expect((await read('GET', path)).body.status).toBe('resolved');

    const other = (await alertsOf('lifecycle')).find((a) => a.alertId !== alert.alertId);
    const direct = await read('POST', `/v1/alerts/${other.alertId}/resolve`);
    expect(direct.status).toBe(200);
    expect(direct.body).toMatchObject({ status: 'resolved', resolution: { note: null } });
  });

  it('answers 404 for unknown alerts and 400 with the field path for bad input', async () => {
    const unknown = '00000000-0000-8000-8000-000000000000';
    expect((await read('GET', `/v1/alerts/${unknown}`)).status).toBe(404);
    expect((await read('GET', '/v1/alerts/not-an-id')).status).toBe(404);
    expect((await read('POST', `/v1/alerts/${unknown}/acknowledge`)).status).toBe(404);
    expect((await read('POST', `/v1/alerts/${unknown}/resolve`, {})).status).toBe(404);

    const [alert] = await alertsOf('kursk');
    const badNote = await read('POST', `/v1/alerts/${alert.alertId}/acknowledge`, { note: 7 });
    expect(badNote.status).toBe(400);
    expect(badNote.body.errors).toEqual([{ path: 'note', message: 'must be a string' }]);
    const extra = await read('POST', `/v1/alerts/${alert.alertId}/resolve`, { reason: 'x' });
    expect(extra.status).toBe(400);
    expect(extra.body.errors[0].path).toBe('reason');
    expect((await read('GET', `/v1/alerts/${alert.alertId}`)).body.status).toBe('open');

    for (const [query, path] of [
      ['status=closed', 'status'],
      ['severity=urgent', 'severity'],
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['theatre=Not_A_Slug', 'theatre'],
      ['cursor=%25%25', 'cursor'],
      ['colour=red', 'colour'],
    ]) {
      const response = await read('GET', `/v1/alerts?${query}`);
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(path);
    }
  });

  it('needs the read role', async () => {
    expect((await httpClient(app.baseUrl)('GET', '/v1/alerts')).status).toBe(401);
    expect((await ingest('GET', '/v1/alerts')).status).toBe(403);
    const [alert] = await alertsOf('kursk');
    expect((await ingest('POST', `/v1/alerts/${alert.alertId}/acknowledge`)).status).toBe(403);
    expect((await httpClient(app.baseUrl)('GET', '/v1/alerts/stream')).status).toBe(401);
  });

  it('filters and pages the list newest first with a cursor, each alert once', async () => {
    for (let index = 0; index < 3; index++) {
      await ingest('POST', '/v1/reports', reinforcement(`page-${index}`, `paging-${index}`));
    }
    await caughtUp();
    const all = (await read('GET', '/v1/alerts?limit=500')).body.items;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page = await read('GET', `/v1/alerts?limit=3${query}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((alert: { alertId: string }) => alert.alertId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((alert: { alertId: string }) => alert.alertId));
    expect(new Set(seen).size).toBe(all.length);
    const raised = all.map((alert: { raisedAt: string }) => alert.raisedAt);
    expect([...raised].sort().reverse()).toEqual(raised);

    const resolved = (await read('GET', '/v1/alerts?status=resolved&limit=500')).body.items;
    expect(resolved.length).toBe(2);
    const heavy = (await read('GET', '/v1/alerts?rule=heavy-weapons-transfer&severity=high')).body;
    expect(
      heavy.items.every((alert: { rule: string }) => alert.rule === 'heavy-weapons-transfer'),
    ).toBe(true);
  });

  it('resolves alerts with a note when their evidence is retracted, and keeps open counts', async () => {
    await ingest('POST', '/v1/reports', reinforcement('kp-retracted', 'retractions'));
    await caughtUp();
    const counts = () =>
      app.database.pool
        .query(`SELECT open_alerts FROM theatre_alert_counts WHERE theatre = 'retractions'`)
        .then((result) => result.rows[0]?.open_alerts);
    expect(await counts()).toBe(2);
    const [first] = await alertsOf('retractions');
    await read('POST', `/v1/alerts/${first.alertId}/acknowledge`);
    expect(await counts()).toBe(2);

    const retracted = await ingest('POST', '/v1/reports/kp-retracted/retraction', {
      reason: 'the source withdrew the claim',
    });
    expect(retracted.status).toBe(201);
    await caughtUp();
    const alerts = await alertsOf('retractions');
    expect(alerts.map((alert) => alert.status)).toEqual(['resolved', 'resolved']);
    for (const alert of alerts) {
      expect(alert.resolution.by).toBe('engine');
      expect(alert.resolution.note).toContain('kp-retracted was retracted');
    }
    expect(await counts()).toBe(0);
  });

  it('reports alerts raised, events handled and lag on /metrics', async () => {
    await caughtUp();
    const metrics = await httpClient(app.baseUrl)('GET', '/metrics');
    expect(metrics.text).toMatch(
      /cm_alerts_raised_total\{rule="foreign-reinforcement",severity="high"\} [1-9]/,
    );
    expect(metrics.text).toMatch(/cm_alerter_events_total [1-9]/);
    expect(metrics.text).toMatch(/cm_alerter_lag_events 0\b/);
  });
});
