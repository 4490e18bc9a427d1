import { Writable } from 'node:stream';
import { AlertStreamHub } from '../../apps/query/src/alerts/alert-stream.hub';
import { aDeploymentReport } from '../../libs/contracts/src/testing';
import { httpClient, startTestApp, TEST_KEYS } from '../support';
import type { TestApp } from '../support';
import { SseClient, StalledSseClient } from '../support/sse-client';

jest.setTimeout(120_000);

const BUFFER_BYTES = 65_536;
/** Each flooded journal entry's alert carries this much text: several per buffer. */
const ENTRY_PADDING = 4000;

/** The value of a Prometheus sample (0 when absent), over real HTTP. */
async function metric(app: TestApp, sample: string): Promise<number> {
  const text = await (await fetch(`${app.baseUrl}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

async function until(what: string, condition: () => Promise<boolean> | boolean): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function journalSeqs(app: TestApp, after: number): Promise<number[]> {
  const { rows } = await app.database.pool.query<{ seq: string }>(
    'SELECT seq::text AS seq FROM alert_changes WHERE seq > $1 ORDER BY alert_changes.seq',
    [after],
  );
  return rows.map((row) => Number(row.seq));
}

async function head(app: TestApp): Promise<number> {
  const seqs = await journalSeqs(app, 0);
  return seqs.at(-1) ?? 0;
}

/**
 * Many alert changes at once, written to the journal as the alerter writes them (its lock,
 * seq after the last, a NOTIFY at commit), each with `ENTRY_PADDING` characters of summary:
 * a burst that would take the alerter thousands of reports.
 */
async function flood(app: TestApp, count: number): Promise<void> {
  const client = await app.database.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('cm_alert_changes', 0))`);
    const { rows } = await client.query<{ last: string }>(
      'SELECT coalesce(max(seq), 0)::text AS last FROM alert_changes',
    );
    const base = Number(rows[0].last);
    await client.query(
      `INSERT INTO alert_changes (seq, alert_id, theatre, change, alert)
       SELECT $1::bigint + g, a.id, 'flood', 'updated',
         jsonb_build_object('alertId', a.id, 'theatre', 'flood', 'status', 'open',
           'summary', repeat('x', $3::int), 'n', g)
       FROM generate_series(1, $2::int) AS g, LATERAL (SELECT gen_random_uuid() AS id) AS a`,
      [base, count, ENTRY_PADDING],
    );
    await client.query(`SELECT pg_notify('cm_alerts', $1)`, [String(base + count)]);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}

/** Bursts of alert changes until `sample` counts a cut-off (at most 60 bursts, ~24 MB). */
async function floodUntil(app: TestApp, sample: string): Promise<void> {
  for (let burst = 0; burst < 60; burst++) {
    await flood(app, 100);
    for (let check = 0; check < 10; check++) {
      if ((await metric(app, sample)) >= 1) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('GET /v1/alerts/stream: a client that stops reading', () => {
  let app: TestApp;
  let hub: AlertStreamHub;
  const auth = { authorization: `Bearer ${TEST_KEYS.read}` };

  beforeAll(async () => {
    app = await startTestApp({
      env: {
        ALERTS_STREAM_BUFFER_BYTES: String(BUFFER_BYTES),
        // Long enough that this test's cut-off is the buffer's, not the stall timer's.
        ALERTS_STREAM_STALL_MS: '600000',
        ALERTS_HEARTBEAT_MS: '200',
      },
    });
    hub = app.app.get(AlertStreamHub);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  }, 120_000);

  it('is cut off once its buffer passes the bound, and resumes with Last-Event-ID missing nothing', async () => {
    const start = await head(app);
    const stalled = await StalledSseClient.connect(`${app.baseUrl}/v1/alerts/stream`, {
      ...auth,
      'last-event-id': String(start),
    });
    await until('the stream to open', () => hub.size === 1);

    // Alert changes keep coming; the stalled client takes none of them.
    await floodUntil(app, 'cm_alert_stream_cutoffs_total{reason="buffer"}');
    expect(await metric(app, 'cm_alert_stream_cutoffs_total{reason="buffer"}')).toBe(1);
    await until('the cut-off stream to be gone', () => hub.size === 0);
    // What the server held for the client never passed the bound by more than one event.
    const eventBytes = ENTRY_PADDING + 1000;
    expect(hub.peakBufferedBytes).toBeGreaterThan(0);
    expect(hub.peakBufferedBytes).toBeLessThanOrEqual(BUFFER_BYTES + eventBytes);

    // The client wakes up: it reads what reached it, then the connection ends.
    const received = await stalled.resume();
    expect(received.status).toBe(200);
    const got = received.events.map((event) => Number(event.id));
    expect(got.length).toBeGreaterThan(0);
    const all = await journalSeqs(app, start);
    expect(all.length).toBeGreaterThan(got.length);
    expect(got).toEqual(all.slice(0, got.length));

    // ... and resumes after the last event it has.
    const resumed = await SseClient.connect(`${app.baseUrl}/v1/alerts/stream`, {
      ...auth,
      'last-event-id': String(got.at(-1)),
    });
    try {
      await resumed.waitFor(
        'every missed change',
        () => resumed.events.length >= all.length - got.length,
        60_000,
      );
    } finally {
      await resumed.close();
    }
    expect([...got, ...resumed.events.map((event) => Number(event.id))]).toEqual(all);
  }, 300_000);

  it('sends heartbeats to an idle stream', async () => {
    const idle = await SseClient.connect(`${app.baseUrl}/v1/alerts/stream`, auth);
    try {
      await idle.waitFor('two heartbeats', () => idle.comments.length >= 2);
      expect(idle.comments.slice(0, 2)).toEqual(['heartbeat', 'heartbeat']);
    } finally {
      await idle.close();
    }
  });
});

describe('GET /v1/alerts/stream: a client that takes nothing for ALERTS_STREAM_STALL_MS', () => {
  let app: TestApp;
  let hub: AlertStreamHub;

  beforeAll(async () => {
    app = await startTestApp({
      env: { ALERTS_STREAM_BUFFER_BYTES: String(64 * 1024 * 1024), ALERTS_STREAM_STALL_MS: '500' },
    });
    hub = app.app.get(AlertStreamHub);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  }, 120_000);

  it('is cut off although its buffer is far below the bound', async () => {
    const stalled = await StalledSseClient.connect(`${app.baseUrl}/v1/alerts/stream`, {
      authorization: `Bearer ${TEST_KEYS.read}`,
      'last-event-id': String(await head(app)),
    });
    await until('the stream to open', () => hub.size === 1);
    await floodUntil(app, 'cm_alert_stream_cutoffs_total{reason="stalled"}');
    expect(await metric(app, 'cm_alert_stream_cutoffs_total{reason="stalled"}')).toBe(1);
    await until('the stalled stream to be gone', () => hub.size === 0);
    stalled.close();
  }, 300_000);
});

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
    } finally {
      await Promise.all(open.map((client) => client.close()));
    }
    // Closed streams give their slots back.
    await until('the streams to be gone', () => hub.size === 0);
    const again = await SseClient.connect(streamUrl, readAuth);
    expect(again.status).toBe(200);
    await again.close();
    await until('the stream to be gone', () => hub.size === 0);
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
    await until('the streams to be gone', () => hub.size === 0);
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

  it('never writes a token to the logs', async () => {
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
    await until('the stream requests in the logs', () => {
      const lines = logs.filter((line) => line.includes('/v1/alerts/stream?token=[REDACTED]'));
      return lines.length >= 2;
    });
    const secret = issued.split('.')[1];
    expect(logs.filter((line) => line.includes(issued) || line.includes(secret))).toEqual([]);
  });
});

describe('stream tokens with open access (API_KEYS unset)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ openAccess: true });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  }, 120_000);

  it('issues tokens that open the stream, and still refuses forged ones', async () => {
    const client = httpClient(app.baseUrl);
    const issued = await client('POST', '/v1/alerts/stream-tokens');
    expect(issued.status).toBe(201);
    const stream = await SseClient.connect(
      `${app.baseUrl}/v1/alerts/stream?token=${encodeURIComponent(issued.body.token)}`,
    );
    expect(stream.status).toBe(200);
    await stream.close();
    const forged = await client('GET', `/v1/alerts/stream?token=${issued.body.token}x`);
    expect(forged.status).toBe(401);
  });
});
