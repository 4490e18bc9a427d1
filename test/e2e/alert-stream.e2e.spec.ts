import { AlerterService } from '@cm/alerter';
import { aDeploymentReport } from '@cm/contracts/testing';
import { httpClient, startTestApp, TEST_KEYS } from '@cm/test-support';
import type { TestApp } from '@cm/test-support';
import { SseClient } from '@cm/test-support/sse-client';

jest.setTimeout(60_000);

/** Each report, in a theatre of its own, raises two alerts (two journal entries). */
const reinforcement = (index: number, theatre = `stream-${index}`) =>
  aDeploymentReport({ reportId: `stream-report-${index}`, theatre });

describe('GET /v1/alerts/stream (Server-Sent Events)', () => {
  let app: TestApp;
  let ingest: ReturnType<typeof httpClient>;
  let read: ReturnType<typeof httpClient>;
  let streamUrl: string;
  const auth = { authorization: `Bearer ${TEST_KEYS.read}` };

  beforeAll(async () => {
    app = await startTestApp({ env: { ALERTS_HEARTBEAT_MS: '100' } });
    ingest = httpClient(app.baseUrl, TEST_KEYS.ingest);
    read = httpClient(app.baseUrl, TEST_KEYS.read);
    streamUrl = `${app.baseUrl}/v1/alerts/stream`;
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  }, 120_000);

  async function journal(after = 0): Promise<{ seq: string; alert: unknown }[]> {
    const { rows } = await app.database.pool.query(
      'SELECT seq::text AS seq, alert FROM alert_journal WHERE seq > $1 ORDER BY alert_journal.seq',
      [after],
    );
    return rows;
  }

  async function file(from: number, to: number): Promise<void> {
    for (let index = from; index < to; index++) {
      expect((await ingest('POST', '/v1/reports', reinforcement(index))).status).toBe(201);
    }
  }

  it('streams alert changes with ids, resumes after Last-Event-ID, and delivers each change exactly once', async () => {
    const first = await SseClient.connect(streamUrl, auth);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toContain('text/event-stream');
    await first.waitFor('a heartbeat', () => first.comments.includes('heartbeat'));

    await file(0, 3);
    await first.waitFor('6 alert events', () => first.events.length >= 6);
    await first.close();
    const lastId = first.lastEventId!;
    expect(first.events.every((event) => event.event === 'alert')).toBe(true);

    // While disconnected: more alerts, and a user's acknowledgement of one.
    await file(3, 6);
    await app.app.get(AlerterService).waitUntilCaughtUp();
    const one = JSON.parse(first.events[0].data) as { alertId: string };
    expect((await read('POST', `/v1/alerts/${one.alertId}/acknowledge`)).status).toBe(200);

    const resumed = await SseClient.connect(streamUrl, { ...auth, 'last-event-id': lastId });
    await file(6, 8);
    const expected = await journal();
    const total = () => first.events.length + resumed.events.length;
    // 8 reports x 2 alerts + 1 acknowledgement.
    await resumed.waitFor('every change', () => total() >= 17);
    await resumed.close();

    const received = [...first.events, ...resumed.events];
    const ids = received.map((event) => event.id);
    const all = await journal();
    expect(all.length).toBe(17);
    expect(ids).toEqual(all.map((entry) => entry.seq));
    expect(received.map((event) => JSON.parse(event.data))).toEqual(
      all.map((entry) => entry.alert),
    );
    expect(expected.length).toBeGreaterThanOrEqual(13);
    const acknowledged = received.filter(
      (event) => JSON.parse(event.data).status === 'acknowledged',
    );
    expect(acknowledged).toHaveLength(1);
  });

  it('filters by theatre, and resumes with ?lastEventId= as with the header', async () => {
    const head = Number((await journal()).at(-1)?.seq ?? 0);
    const filtered = await SseClient.connect(`${streamUrl}?theatre=stream-20`, auth);
    await file(20, 22);
    await filtered.waitFor('the two alerts of stream-20', () => filtered.events.length >= 2);
    await app.app.get(AlerterService).waitUntilCaughtUp();
    await filtered.close();
    expect(filtered.events.map((event) => JSON.parse(event.data).theatre)).toEqual([
      'stream-20',
      'stream-20',
    ]);

    const replay = await SseClient.connect(`${streamUrl}?lastEventId=${head}`, auth);
    await replay.waitFor('four changes', () => replay.events.length >= 4);
    await replay.close();
    expect(replay.events.map((event) => Number(event.id))).toEqual([
      head + 1,
      head + 2,
      head + 3,
      head + 4,
    ]);
  });

  it('refuses a malformed Last-Event-ID or filter with 400 and its name', async () => {
    const badHeader = await read('GET', '/v1/alerts/stream', undefined, { 'last-event-id': 'abc' });
    expect(badHeader.status).toBe(400);
    expect(badHeader.body.errors[0].path).toBe('Last-Event-ID');
    const badTheatre = await read('GET', '/v1/alerts/stream?theatre=NOPE');
    expect(badTheatre.status).toBe(400);
    expect(badTheatre.body.errors[0].path).toBe('theatre');
  });

  it('ends open streams when the app shuts down', async () => {
    const other = await startTestApp({ env: { ALERTS_HEARTBEAT_MS: '100' } });
    try {
      const stream = await SseClient.connect(`${other.baseUrl}/v1/alerts/stream`, auth);
      await stream.waitFor('the first heartbeat', () => stream.comments.includes('heartbeat'));
      await other.app.close();
      await expect(stream.ended).resolves.toBeUndefined();
    } finally {
      await other.database.drop();
    }
  });
});
