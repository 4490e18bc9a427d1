import { Writable } from 'node:stream';
import { AlertStreamHub } from '../../apps/query/src/alerts/alert-stream.hub';
import { aDeploymentReport } from '@cm/contracts/testing';
import { httpClient, startTestApp, TEST_KEYS } from '@cm/test-support';
import type { TestApp } from '@cm/test-support';
import { SseClient } from '@cm/test-support/sse-client';
import { eventually } from '@cm/test-support/eventually';

// The app that captures logs must be this file's first: nestjs-pino keeps one request logger
// per process (per test file under Jest), made by the first app.

jest.setTimeout(120_000);

describe('a cap of streams per key, and stream tokens for browsers', () => {
  let app: TestApp;
  let hub: AlertStreamHub;
  const logs: string[] = [];
  const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };
  const readAuth = { authorization: `Bearer ${TEST_KEYS.read}` };
  let streamUrl: string;

  beforeAll(async () => {
    app = await startTestApp({
      clock,
      env: { ALERTS_STREAMS_PER_KEY: '2', ALERTS_HEARTBEAT_MS: '100' },
      logStream: new Writable({
        write(chunk: Buffer, _encoding, done) {
          logs.push(chunk.toString('utf8'));
          done();
        },
      }),
    });
    hub = app.app.get(AlertStreamHub);
    streamUrl = `${app.baseUrl}/v1/alerts/stream`;
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  }, 120_000);
  afterEach(() => {
    clock.offsetMs = 0;
  });

  async function token(key: string = TEST_KEYS.read) {
    return httpClient(app.baseUrl, key)('POST', '/v1/alerts/stream-tokens');
  }

  it('answers one stream more than ALERTS_STREAMS_PER_KEY with 429 problem+json and Retry-After', async () => {
    const open = [await SseClient.connect(streamUrl, readAuth)];
    open.push(await SseClient.connect(streamUrl, readAuth));
    try {
      expect(open.map((client) => client.status)).toEqual([200, 200]);
      const refused = await httpClient(app.baseUrl, TEST_KEYS.read)('GET', '/v1/alerts/stream');
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.body).toMatchObject({ status: 429, code: 'STREAM.TOO_MANY' });

      // A stream token stands for its key: it counts against the same cap.
      const issued = await token();
      const viaToken = await httpClient(app.baseUrl)(
        'GET',
        `/v1/alerts/stream?token=${encodeURIComponent(issued.body.token)}`,
      );
      expect(viaToken.status).toBe(429);

      // Another key has streams of its own.
      const other = await SseClient.connect(streamUrl, {
        authorization: `Bearer ${TEST_KEYS.both}`,
      });
      open.push(other);
      expect(other.status).toBe(200);
      // Headers come before the hub has the stream (it reads the journal head first): wait
      // for all three, or "the hub has none" below could be true before any was counted.
      await eventually('the streams to be attached', () => hub.size === 3);
    } finally {
      await Promise.all(open.map((client) => client.close()));
    }
    // Closed streams give their slots back.
    await eventually('the streams to be gone', () => hub.size === 0);
    const again = await SseClient.connect(streamUrl, readAuth);
    expect(again.status).toBe(200);
    await eventually('the stream to be attached', () => hub.size === 1);
    await again.close();
    await eventually('the stream to be gone', () => hub.size === 0);
  });

  it('issues a token that opens the stream without a header, and alerts come through', async () => {
    const issued = await token();
    expect(issued.status).toBe(201);
    expect(Object.keys(issued.body).sort()).toEqual(['expiresAt', 'token']);
    expect(Date.parse(issued.body.expiresAt)).toBeGreaterThan(Date.now());

    const stream = await SseClient.connect(
      `${streamUrl}?token=${encodeURIComponent(issued.body.token)}`,
    );
    try {
      expect(stream.status).toBe(200);
      await stream.waitFor('a heartbeat', () => stream.comments.includes('heartbeat'));
      const ingest = httpClient(app.baseUrl, TEST_KEYS.ingest);
      const report = aDeploymentReport({ reportId: 'token-report-1', theatre: 'token-theatre' });
      expect((await ingest('POST', '/v1/reports', report)).status).toBe(201);
      await stream.waitFor('the alerts of the report', () => stream.events.length >= 1);
      expect(JSON.parse(stream.events[0].data).theatre).toBe('token-theatre');
    } finally {
      await stream.close();
    }
    // Used again within its time (an EventSource reconnecting): still good.
    const reconnect = await SseClient.connect(
      `${streamUrl}?token=${encodeURIComponent(issued.body.token)}`,
      { 'last-event-id': '0' },
    );
    expect(reconnect.status).toBe(200);
    await reconnect.close();
    await eventually('the streams to be gone', () => hub.size === 0);
  });

  it('refuses expired, forged and misused tokens with 401, and keys without the read role', async () => {
    const anonymous = httpClient(app.baseUrl);
    const issued = (await token()).body.token as string;
    const open = (candidate: string) =>
      anonymous('GET', `/v1/alerts/stream?token=${encodeURIComponent(candidate)}`);

    const [payload, signature] = issued.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const otherKey = Buffer.from(JSON.stringify({ ...claims, p: 'key-000000000000' })).toString(
      'base64url',
    );
    const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'BB' : 'AA');
    for (const forged of [`${payload}.${flipped}`, `${otherKey}.${signature}`, 'garbage', '']) {
      const answer = await open(forged);
      expect({ forged, status: answer.status, code: answer.body?.code }).toEqual({
        forged,
        status: 401,
        code: 'AUTH.UNAUTHENTICATED',
      });
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
    }

    // Anywhere else, a token is no key.
    expect((await httpClient(app.baseUrl, issued)('GET', '/v1/alerts')).status).toBe(401);
    expect((await httpClient(app.baseUrl, issued)('GET', '/v1/alerts/stream')).status).toBe(401);
    expect((await anonymous('GET', `/v1/alerts?token=${issued}`)).status).toBe(401);
    expect((await anonymous('GET', `/v1/theatres?token=${issued}`)).status).toBe(401);

    // Past its time to connect.
    clock.offsetMs = 61_000;
    const expired = await open(issued);
    expect(expired.status).toBe(401);
    expect(expired.body.detail).toContain('expired');
    clock.offsetMs = 0;

    // Only a read key gets one; none without a key.
    expect((await token(TEST_KEYS.ingest)).status).toBe(403);
    expect((await anonymous('POST', '/v1/alerts/stream-tokens')).status).toBe(401);
    expect(hub.size).toBe(0);
  });

  it('never writes a token or a key to the logs', async () => {
    const issued = (await token()).body.token as string;
    const stream = await SseClient.connect(`${streamUrl}?token=${encodeURIComponent(issued)}`);
    await stream.waitFor('a heartbeat', () => stream.comments.includes('heartbeat'));
    await stream.close();
    clock.offsetMs = 61_000;
    expect((await httpClient(app.baseUrl)('GET', `/v1/alerts/stream?token=${issued}`)).status).toBe(
      401,
    );
    clock.offsetMs = 0;
    // The stream's request is logged when it ends: its URL is there, the token is not.
    await eventually(
      'the stream requests in the logs',
      () => logs.filter((line) => line.includes('/v1/alerts/stream?token=[REDACTED]')).length >= 2,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; the last lines:\n${logs.slice(-4).join('')}`);
    });
    const secret = issued.split('.')[1];
    expect(logs.filter((line) => line.includes(issued) || line.includes(secret))).toEqual([]);
    // Nor a key: the requests that sent one are logged with their Authorization censored.
    expect(logs.some((line) => line.includes('"authorization":"[Redacted]"'))).toBe(true);
    expect(logs.filter((line) => line.includes(TEST_KEYS.read))).toEqual([]);
  });
});
