import { aCasualtyReport, aDeploymentReport } from '@cm/contracts/testing';
import { httpClient, startTestApp, TEST_KEYS, type TestApp } from '@cm/test-support';
import { loadTheatreOverview } from '@cm/read-models';
import { ProjectorService } from './projector.service';

/** The projector inside the monitor: reports filed over HTTP reach the read models. */
describe('projector in the monitor', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  }, 60_000);
  afterAll(async () => {
    await app?.close();
  }, 120_000);

  it('projects filed, corrected and retracted reports and reports its progress as metrics', async () => {
    const ingest = httpClient(app.baseUrl, TEST_KEYS.ingest);
    const deployment = aDeploymentReport({ reportId: 'projector-e2e-deployment' });
    const casualty = aCasualtyReport({ reportId: 'projector-e2e-casualty' });
    expect((await ingest('POST', '/v1/reports', deployment)).status).toBe(201);
    expect((await ingest('POST', '/v1/reports', casualty)).status).toBe(201);
    const correction = await ingest('POST', `/v1/reports/${deployment.reportId}/corrections`, {
      expectedVersion: 1,
      details: { ...deployment.details, personnel: { best: 500 } },
      reason: 'revised estimate',
    });
    expect(correction.status).toBe(201);
    const retraction = await ingest('POST', `/v1/reports/${casualty.reportId}/retraction`, {
      reason: 'withdrawn',
    });
    expect(retraction.status).toBe(201);

    await app.app.get(ProjectorService).current()!.waitUntilCaughtUp();

    const overview = await loadTheatreOverview(app.database.pool, 'russia-ukraine', new Date());
    expect(overview?.reports).toEqual({
      deployments: 1,
      casualties: 0,
      ceasefireViolations: 0,
      sanctionDemands: 0,
      total: 1,
    });
    expect(overview?.personnel.byActor).toEqual([
      { party: 'KP', reports: 1, low: 500, best: 500, high: 500 },
    ]);

    const metrics = await httpClient(app.baseUrl)('GET', '/metrics');
    expect(metrics.text).toMatch(/^cm_projector_events_projected_total 4$/m);
    expect(metrics.text).toMatch(/^cm_projector_lag_positions 0$/m);
  }, 60_000);
});
