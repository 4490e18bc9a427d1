import { aDeploymentReport, aViolationReport } from '@cm/contracts/testing';
import type { TestApp } from '@cm/test-support';
import { expectProblem, httpClient, startTestApp, TEST_KEYS } from '@cm/test-support';

type Client = ReturnType<typeof httpClient>;

interface FeedEvent {
  eventId: string;
  type: string;
  streamId: string;
  streamVersion: number;
  position: number;
  recordedAt: string;
  data: any;
  metadata: Record<string, unknown>;
}

describe('GET /v1/events (real app, real PostgreSQL)', () => {
  let testApp: TestApp;
  let ingest: Client;
  let reader: Client;

  /**
   * Committed events after `position` in the store's read order. An empty page is not the end
   * while there are: a transaction of the projector or alerter in flight holds readers back
   * for a moment (the feed's promise), and they now run beside these tests.
   */
  const committedAfter = async (position: number): Promise<boolean> => {
    const { rows } = await testApp.database.pool.query<{ more: boolean }>(
      `SELECT EXISTS (
         SELECT 1 FROM events e WHERE $1::bigint = 0 OR (e.transaction_id, e.position) >
           (SELECT transaction_id, position FROM events WHERE position = $1)) AS more`,
      [position],
    );
    return rows[0].more;
  };

  /** Pages through the feed from `after` until a page comes back empty at the store's end. */
  const readToEnd = async (after: number, limit: number) => {
    const events: FeedEvent[] = [];
    let position = after;
    for (;;) {
      const page = await reader('GET', `/v1/events?after=${position}&limit=${limit}`);
      expect(page.status).toBe(200);
      if (page.body.items.length === 0) {
        expect(page.body.nextPosition).toBe(position);
        if (await committedAfter(position)) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          continue;
        }
        return { events, position };
      }
      events.push(...page.body.items);
      position = page.body.nextPosition;
      expect(position).toBe(page.body.items[page.body.items.length - 1].position);
    }
  };

  const storedEventIds = async (): Promise<string[]> => {
    const { rows } = await testApp.database.pool.query<{ event_id: string }>(
      'SELECT event_id FROM events ORDER BY position',
    );
    return rows.map((row) => row.event_id);
  };

  beforeAll(async () => {
    testApp = await startTestApp();
    ingest = httpClient(testApp.baseUrl, TEST_KEYS.ingest);
    reader = httpClient(testApp.baseUrl, TEST_KEYS.read);
  }, 120_000);
  afterAll(async () => {
    await testApp.close();
  }, 120_000);

  it('answers an empty store with no items and position 0', async () => {
    const response = await reader('GET', '/v1/events');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ items: [], nextPosition: 0 });
  });

  it('returns stored events in order, page by page, with their data and metadata', async () => {
    const reports = Array.from({ length: 25 }, (_, i) =>
      aDeploymentReport({ reportId: `events-order-${i}`, theatre: 'feed-theatre' }),
    );
    const filed = await ingest('POST', '/v1/reports/batch', { reports });
    expect(filed.status).toBe(200);
    const requestId = filed.headers.get('x-request-id');
    const { events } = await readToEnd(0, 10);
    expect(events.map((event) => event.data.reportId)).toEqual(reports.map((r) => r.reportId));
    const positions = events.map((event) => event.position);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(events[0]).toEqual({
      eventId: expect.any(String),
      type: 'DeploymentReported',
      streamId: 'report-events-order-0',
      streamVersion: 1,
      position: expect.any(Number),
      recordedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/),
      data: expect.objectContaining({ reportId: 'events-order-0', theatre: 'feed-theatre' }),
      // Who filed it: the key's name (its unnamed form: sha256's first 8 hex) and the request.
      metadata: {
        schemaVersion: 1,
        recordedBy: expect.stringMatching(/^[0-9a-f]{8}$/),
        requestId,
      },
    });
    // The default page size is 100 and the default start is the beginning.
    const first = await reader('GET', '/v1/events');
    expect(first.body.items).toHaveLength(25);
  });

  it('holds back events behind a transaction still open, and returns them all once it commits', async () => {
    const { position: start } = await readToEnd(0, 100);
    const late = await testApp.database.pool.connect();
    try {
      await late.query('BEGIN');
      const { rows } = await late.query<{ position: string }>(
        `INSERT INTO events (event_id, stream_id, stream_version, type, data)
         VALUES (gen_random_uuid(), 'late-stream', 1, 'LateCommitted', '{}') RETURNING position`,
      );
      const latePosition = Number(rows[0].position);
      // A later event, with a higher position, commits first.
      const filed = await ingest(
        'POST',
        '/v1/reports',
        aViolationReport({ reportId: 'events-after-late' }),
      );
      expect(filed.status).toBe(201);
      expect(filed.body.position).toBeGreaterThan(latePosition);

      const whileOpen = await reader('GET', `/v1/events?after=${start}`);
      expect(whileOpen.body).toEqual({ items: [], nextPosition: start });

      await late.query('COMMIT');
      const afterCommit = await reader('GET', `/v1/events?after=${start}`);
      expect(afterCommit.body.items.map((event: FeedEvent) => event.position)).toEqual([
        latePosition,
        filed.body.position,
      ]);
    } finally {
      late.release();
    }
  });

  it('never skips an event while writers append concurrently', async () => {
    const { events: before, position: start } = await readToEnd(0, 100);
    const seen: FeedEvent[] = [];
    let position = start;
    let writing = true;
    const writers = Array.from({ length: 8 }, async (_, writer) => {
      for (let i = 0; i < 25; i++) {
        const response = await ingest(
          'POST',
          '/v1/reports',
          aViolationReport({ reportId: `events-race-${writer}-${i}` }),
        );
        expect(response.status).toBe(201);
      }
    });
    const done = Promise.all(writers).finally(() => {
      writing = false;
    });
    while (writing) {
      const page = await reader('GET', `/v1/events?after=${position}&limit=7`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items);
      position = page.body.nextPosition;
    }
    await done;
    seen.push(...(await readToEnd(position, 7)).events);

    const ids = [...before, ...seen].map((event) => event.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual((await storedEventIds()).sort());
    expect(seen.filter((event) => event.streamId.startsWith('report-events-race-'))).toHaveLength(
      200,
    );
  });

  describe('bad requests', () => {
    it.each([
      ['after=-1', 'after'],
      ['after=abc', 'after'],
      ['after=1.5', 'after'],
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['since=3', 'since'],
    ])('answers ?%s with 400 naming %s', async (query, path) => {
      const response = await reader('GET', `/v1/events?${query}`);
      expectProblem(response, 400);
      expect(response.body.errors).toEqual([{ path, message: expect.any(String) }]);
    });

    it('answers a position no event has with 400', async () => {
      const response = await reader('GET', '/v1/events?after=987654321');
      expectProblem(response, 400);
      expect(response.body.errors).toEqual([{ path: 'after', message: expect.any(String) }]);
    });
  });

  describe('access', () => {
    it('answers 401 without a key', async () => {
      expectProblem(await httpClient(testApp.baseUrl)('GET', '/v1/events'), 401);
    });

    it('answers 403 to a key without the read role', async () => {
      expectProblem(await ingest('GET', '/v1/events'), 403);
    });
  });

  it('is described in the OpenAPI document', async () => {
    const document = await httpClient(testApp.baseUrl)('GET', '/docs-json');
    const operation = document.body.paths['/v1/events'].get;
    expect(
      operation.parameters.map((parameter: { name: string }) => parameter.name).sort(),
    ).toEqual(['after', 'limit']);
  });
});
