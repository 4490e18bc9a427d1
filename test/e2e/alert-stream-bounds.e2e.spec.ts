import { AlertStreamHub } from '../../apps/query/src/alerts/alert-stream.hub';
import { httpClient, startTestApp, TEST_KEYS } from '@cm/test-support';
import type { TestApp } from '@cm/test-support';
import { SseClient, StalledSseClient } from '@cm/test-support/sse-client';
import { eventually } from '@cm/test-support/eventually';

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
    await eventually('the stream to open', () => hub.size === 1);

    // Alert changes keep coming; the stalled client takes none of them.
    await floodUntil(app, 'cm_alert_stream_cutoffs_total{reason="buffer"}');
    expect(await metric(app, 'cm_alert_stream_cutoffs_total{reason="buffer"}')).toBe(1);
    await eventually('the cut-off stream to be gone', () => hub.size === 0);
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
    await eventually('the stream to open', () => hub.size === 1);
    await floodUntil(app, 'cm_alert_stream_cutoffs_total{reason="stalled"}');
    expect(await metric(app, 'cm_alert_stream_cutoffs_total{reason="stalled"}')).toBe(1);
    await eventually('the stalled stream to be gone', () => hub.size === 0);
    stalled.close();
  }, 300_000);
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
