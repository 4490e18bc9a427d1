import { AlerterService } from '@cm/alerter';
import { reportedEventFor, reportStreamId } from '@cm/contracts';
import { PostgresEventStore } from '@cm/event-store';
import { ProjectorService } from '@cm/projector';
import { aCasualtyReport, aDeploymentReport } from '@cm/contracts/testing';
import { httpClient, startTestApp, TEST_KEYS } from '@cm/test-support';
import type { TestApp } from '@cm/test-support';

jest.setTimeout(120_000);

/**
 * A poisoned event (occurredAt in year 0: stored, but no timestamp column can hold it) must be
 * parked by the projector (and the alerter, if it fails there too) while every other theatre
 * goes on; readiness says so; the admin endpoints settle it.
 */
describe('parking a poisoned event (real app, real PostgreSQL)', () => {
  let app: TestApp;
  let read: ReturnType<typeof httpClient>;
  let ingest: ReturnType<typeof httpClient>;
  let admin: ReturnType<typeof httpClient>;
  let anonymous: ReturnType<typeof httpClient>;
  let store: PostgresEventStore;

  /** Appends a report event as the ingest would, bypassing its validation. */
  async function appendPoisoned(reportId: string, theatre: string): Promise<number> {
    const report = aCasualtyReport({ reportId, theatre, occurredAt: '0000-01-01T00:00:00Z' });
    const event = reportedEventFor(report);
    const result = await store.append(
      reportStreamId(reportId),
      [{ type: event.type, data: event.data, metadata: { schemaVersion: 1 } }],
      { expectedVersion: 'no_stream' },
    );
    return result.firstPosition;
  }

  async function caughtUp(): Promise<void> {
    await app.app.get(ProjectorService).current()!.waitUntilCaughtUp(undefined, 60_000);
    await app.app.get(AlerterService).waitUntilCaughtUp(undefined, 60_000);
  }

  beforeAll(async () => {
    app = await startTestApp();
    read = httpClient(app.baseUrl, TEST_KEYS.read);
    ingest = httpClient(app.baseUrl, TEST_KEYS.ingest);
    admin = httpClient(app.baseUrl, TEST_KEYS.admin);
    anonymous = httpClient(app.baseUrl);
    store = new PostgresEventStore(app.database.pool);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  }, 60_000);

  it('parks it, projects and alerts on the other theatres, and says so until settled', async () => {
    expect((await anonymous('GET', '/health/ready')).status).toBe(200);
    const poisoned = await appendPoisoned('poison-1', 'poisoned-theatre');
    // Valid reports of other theatres, after the poisoned one.
    expect(
      (
        await ingest(
          'POST',
          '/v1/reports',
          aDeploymentReport({ reportId: 'ok-1', theatre: 'kursk' }),
        )
      ).status,
    ).toBe(201);
    expect(
      (
        await ingest(
          'POST',
          '/v1/reports',
          aCasualtyReport({ reportId: 'ok-2', theatre: 'donbas' }),
        )
      ).status,
    ).toBe(201);
    await caughtUp();

    const kursk = await read('GET', '/v1/theatres/kursk/overview');
    expect(kursk.status).toBe(200);
    const donbas = await read('GET', '/v1/theatres/donbas/casualties');
    expect(donbas.status).toBe(200);
    expect(donbas.body.items.map((item: { reportId: string }) => item.reportId)).toEqual(['ok-2']);
    const alerts = await read('GET', '/v1/alerts?theatre=kursk');
    expect(alerts.body.items.map((alert: { rule: string }) => alert.rule).sort()).toEqual([
      'foreign-reinforcement',
      'heavy-weapons-transfer',
    ]);

    const listed = await admin('GET', '/v1/admin/parked');
    expect(listed.status).toBe(200);
    const projector = listed.body.items.find(
      (item: { subscriber: string }) => item.subscriber === 'projector',
    );
    expect(projector).toMatchObject({
      position: poisoned,
      streamId: reportStreamId('poison-1'),
      type: 'CasualtyReported',
      attempts: 3,
    });
    expect(projector.error.message).toMatch(/\S/);
    expect(projector.eventId).toMatch(/^[0-9a-f-]{36}$/);
    for (const item of listed.body.items) expect(item.position).toBe(poisoned);

    const ready = await anonymous('GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.headers.get('content-type')).toContain('application/problem+json');
    expect(ready.body).toMatchObject({ status: 503, code: 'HEALTH.DEGRADED' });
    expect(ready.body.detail).toContain(`projector at position ${poisoned}`);
    expect(ready.body.detail).toContain(projector.eventId);
    expect((await anonymous('GET', '/health/live')).status).toBe(200);

    const metrics = await anonymous('GET', '/metrics');
    expect(metrics.text).toContain('cm_parked_events{subscriber="projector"} 1');

    // Still failing: 422 with the cause, the row stays with one more attempt.
    const failed = await admin('POST', `/v1/admin/parked/projector/${poisoned}/retry`);
    expect(failed.status).toBe(422);
    expect(failed.body).toMatchObject({ code: 'PARKED.RETRY_FAILED' });
    expect(failed.body.detail).toContain(`position ${poisoned}`);
    const after = await admin('GET', '/v1/admin/parked');
    expect(
      after.body.items.find((item: { subscriber: string }) => item.subscriber === 'projector')
        .attempts,
    ).toBe(4);

    // Roles and unknown rows.
    expect((await read('GET', '/v1/admin/parked')).status).toBe(403);
    expect((await admin('POST', `/v1/admin/parked/projector/999999/discard`)).status).toBe(404);
    expect((await admin('POST', `/v1/admin/parked/projector/abc/retry`)).status).toBe(400);

    // Discard every row: the event stays skipped, readiness is back.
    for (const item of after.body.items) {
      const discarded = await admin(
        'POST',
        `/v1/admin/parked/${item.subscriber}/${item.position}/discard`,
      );
      expect(discarded.status).toBe(200);
      expect(discarded.body.discarded.position).toBe(poisoned);
    }
    expect((await admin('GET', '/v1/admin/parked')).body.items).toEqual([]);
    expect((await anonymous('GET', '/health/ready')).status).toBe(200);
    expect((await anonymous('GET', '/metrics')).text).toContain(
      'cm_parked_events{subscriber="projector"} 0',
    );
  });

  it('retries a parked event that was repaired: projected, row deleted, ready again', async () => {
    const poisoned = await appendPoisoned('poison-2', 'repaired-theatre');
    await caughtUp();
    expect((await anonymous('GET', '/health/ready')).status).toBe(503);
    // An operator repairs the stored date in place (the store has no other way to fix data).
    await app.database.pool.query(
      `UPDATE events SET data = jsonb_set(data, '{occurredAt}', '"2024-12-20T00:00:00.000Z"')
       WHERE position = $1`,
      [poisoned],
    );
    const parked = (await admin('GET', '/v1/admin/parked')).body.items;
    expect(parked.length).toBeGreaterThan(0);
    for (const item of parked) {
      const retried = await admin(
        'POST',
        `/v1/admin/parked/${item.subscriber}/${item.position}/retry`,
      );
      expect([retried.status, retried.body.detail]).toEqual([200, undefined]);
      expect(retried.body).toMatchObject({ outcome: 'handled', position: poisoned });
    }
    expect((await admin('GET', '/v1/admin/parked')).body.items).toEqual([]);
    const reports = await read('GET', '/v1/theatres/repaired-theatre/casualties');
    expect(reports.body.items.map((item: { reportId: string }) => item.reportId)).toEqual([
      'poison-2',
    ]);
    expect((await anonymous('GET', '/health/ready')).status).toBe(200);
  });
});
