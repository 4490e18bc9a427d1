import {
  aCasualtyReport,
  aDeploymentReport,
  aSanctionDemandReport,
  aViolationReport,
} from '@cm/contracts/testing';
import { AlerterService } from '@cm/alerter';
import { ProjectorService } from '@cm/projector';
import type { TestApp } from '@cm/test-support';
import { expectProblem, httpClient, startTestApp, TEST_KEYS } from '@cm/test-support';
import {
  fileBatch,
  readAllPages,
  REPORT_LISTS as LISTS,
  type HttpClient as Client,
  type ListedReport as Item,
} from '@cm/test-support/report-lists';

const HOUR = 3_600_000;

/** (occurredAt, reportId) newest first; report ids compare bytewise, as the API orders them. */
function isNewestFirst(items: Item[]): boolean {
  return items.every((item, i) => {
    if (i === 0) return true;
    const before = items[i - 1];
    if (before.occurredAt !== item.occurredAt) return before.occurredAt > item.occurredAt;
    return Buffer.compare(Buffer.from(before.reportId), Buffer.from(item.reportId)) > 0;
  });
}

describe('theatres, overview and report lists over HTTP (real app, real PostgreSQL)', () => {
  let testApp: TestApp;
  let ingest: Client;
  let reader: Client;

  const caughtUp = async () => {
    const subscription = testApp.app.get(ProjectorService).current();
    if (!subscription) throw new Error('the projector is not running in the test app');
    await subscription.waitUntilCaughtUp(undefined, 30_000);
    // Open alerts are part of the answers: the alerter must have seen the same events.
    await testApp.app.get(AlerterService).waitUntilCaughtUp(undefined, 30_000);
  };
  const unresolvedAlerts = async (theatre: string): Promise<number> => {
    const { rows } = await testApp.database.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM alerts WHERE theatre = $1 AND status <> 'resolved'",
      [theatre],
    );
    return rows[0].n;
  };
  const file = (...reports: object[]) => fileBatch(ingest, reports);
  /** Every page of a list, following nextCursor. */
  const readAll = (path: string, query = '') => readAllPages(reader, path, query);

  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  const recent = (hoursAgo: number) => ({
    occurredAt: iso(now - hoursAgo * HOUR),
    reportedAt: iso(now - hoursAgo * HOUR + 60_000),
  });

  beforeAll(async () => {
    testApp = await startTestApp();
    ingest = httpClient(testApp.baseUrl, TEST_KEYS.ingest);
    reader = httpClient(testApp.baseUrl, TEST_KEYS.read);
    await file(
      aDeploymentReport({ reportId: 'kp-arrival', theatre: 'kursk', ...recent(48) }),
      aDeploymentReport({
        reportId: 'kp-withdrawal',
        theatre: 'kursk',
        ...recent(30),
        details: { movement: 'withdrawal', personnel: { best: 1000 }, equipment: undefined },
      }),
      aDeploymentReport({
        reportId: 'ru-buildup',
        theatre: 'kursk',
        ...recent(20),
        details: {
          actor: 'RU',
          supporting: undefined,
          movement: 'buildup',
          personnel: { best: 5000 },
          equipment: undefined,
        },
      }),
      aCasualtyReport({ reportId: 'kp-losses', theatre: 'kursk', ...recent(10) }),
      aCasualtyReport({
        reportId: 'ua-civilians',
        theatre: 'kursk',
        ...recent(5),
        details: {
          party: 'UA',
          civilian: true,
          category: 'killed',
          cumulative: false,
          count: { best: 4 },
        },
      }),
      aViolationReport({ reportId: 'odesa-drones', theatre: 'kursk', ...recent(2) }),
      aViolationReport({
        reportId: 'kherson-shelling',
        theatre: 'kursk',
        ...recent(72),
        details: { accusedParty: 'UA', accusingParty: 'RU', means: 'artillery' },
      }),
      aSanctionDemandReport({ reportId: 'swift-demand', theatre: 'kursk', ...recent(100) }),
      aDeploymentReport({ reportId: 'other-theatre-report', theatre: 'sahel' }),
    );
    await caughtUp();
  }, 120_000);
  afterAll(async () => {
    await testApp.close();
  }, 120_000);

  describe('GET /v1/theatres', () => {
    it('lists every theatre with its report counts and open alerts', async () => {
      const response = await reader('GET', '/v1/theatres');
      expect(response.status).toBe(200);
      const kursk = response.body.items.find(
        (item: { theatre: string }) => item.theatre === 'kursk',
      );
      expect(kursk).toEqual({
        theatre: 'kursk',
        reports: {
          deployments: 3,
          casualties: 2,
          ceasefireViolations: 2,
          sanctionDemands: 1,
          total: 8,
        },
        firstOccurredAt: iso(now - 100 * HOUR),
        lastOccurredAt: iso(now - 2 * HOUR),
        openAlerts: await unresolvedAlerts('kursk'),
      });
      // A foreign reinforcement of 11,000 (KP for RU) raises at least one alert.
      expect(kursk.openAlerts).toBeGreaterThan(0);
      expect(response.body.items.map((item: { theatre: string }) => item.theatre)).toEqual(
        expect.arrayContaining(['kursk', 'sahel']),
      );
    });
  });

  describe('GET /v1/theatres/{t}/overview', () => {
    it('gives personnel, casualties, violations in the last 24 h and 7 d, sanction demands and open alerts', async () => {
      const response = await reader('GET', '/v1/theatres/kursk/overview');
      expect(response.status).toBe(200);
      const overview = response.body;
      expect(overview.theatre).toBe('kursk');
      expect(overview.openAlerts).toBe(await unresolvedAlerts('kursk'));
      const kp = overview.personnel.byActor.find(
        (entry: { party: string }) => entry.party === 'KP',
      );
      expect(kp).toMatchObject({ reports: 2, best: 11000 - 1000 });
      const ru = overview.personnel.byActor.find(
        (entry: { party: string }) => entry.party === 'RU',
      );
      expect(ru).toMatchObject({ reports: 1, best: 5000 });
      expect(overview.casualties).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ party: 'KP', category: 'killed_or_wounded', civilian: false }),
          expect.objectContaining({
            party: 'UA',
            category: 'killed',
            civilian: true,
            increments: expect.objectContaining({ best: 4 }),
          }),
        ]),
      );
      expect(overview.ceasefireViolations.last24h).toMatchObject({
        total: 1,
        byAccusedParty: [{ party: 'RU', count: 1 }],
      });
      expect(overview.ceasefireViolations.last7d.total).toBe(2);
      expect(overview.sanctionDemands).toEqual([
        expect.objectContaining({ demandingParty: 'RU', active: 1 }),
      ]);
    });

    it('answers 404 for an unknown theatre', async () => {
      expectProblem(await reader('GET', '/v1/theatres/atlantis/overview'), 404);
    });

    it('with asOf, answers from what had been recorded by then, equal to the live overview taken then', async () => {
      const live = (await reader('GET', '/v1/theatres/kursk/overview')).body;
      await file(aViolationReport({ reportId: 'after-snapshot', theatre: 'kursk', ...recent(1) }));
      await caughtUp();

      const then = await reader('GET', `/v1/theatres/kursk/overview?asOf=${live.at}`);
      expect(then.status).toBe(200);
      expect(then.body).toEqual(live);

      const current = await reader('GET', '/v1/theatres/kursk/overview');
      expect(current.body.ceasefireViolations.last24h.total).toBe(2);
      const asOfNow = await reader('GET', `/v1/theatres/kursk/overview?asOf=${current.body.at}`);
      expect(asOfNow.body).toEqual(current.body);
    });

    it('with asOf the recordedAt of a report (milliseconds), counts that report', async () => {
      // The store keeps microseconds; the API shows milliseconds. A client that takes a
      // recordedAt from a report's history must find that report recorded by then.
      await file(
        aViolationReport({ reportId: 'as-of-recorded-at', theatre: 'as-of-ms', ...recent(1) }),
      );
      await caughtUp();
      const report = await reader('GET', '/v1/reports/as-of-recorded-at');
      const recordedAt: string = report.body.history[0].recordedAt;

      const overview = await reader('GET', `/v1/theatres/as-of-ms/overview?asOf=${recordedAt}`);
      expect(overview.status).toBe(200);
      expect(overview.body.reports.ceasefireViolations).toBe(1);
      const series = await reader(
        'GET',
        `/v1/theatres/as-of-ms/series?measure=violations&asOf=${recordedAt}`,
      );
      expect(series.status).toBe(200);
      expect(series.body.buckets).toHaveLength(1);
    });

    it('with asOf before the theatre’s first report, answers 404', async () => {
      const response = await reader('GET', '/v1/theatres/kursk/overview?asOf=2001-01-01T00:00:00Z');
      expectProblem(response, 404);
    });

    it.each([
      ['not a date-time', 'yesterday'],
      ['a date without a time', '2026-01-01'],
      ['in the future', iso(now + 24 * HOUR)],
    ])('answers 400 naming asOf when it is %s', async (_, asOf) => {
      const response = await reader('GET', `/v1/theatres/kursk/overview?asOf=${asOf}`);
      expectProblem(response, 400);
      expect(response.body.errors).toEqual([{ path: 'asOf', message: expect.any(String) }]);
    });
  });

  describe('report lists', () => {
    it.each(LISTS)(
      'lists %s of the theatre, newest first, as { items, nextCursor }',
      async (list) => {
        const response = await reader('GET', `/v1/theatres/kursk/${list}`);
        expect(response.status).toBe(200);
        expect(response.body.nextCursor).toBeNull();
        expect(response.body.items.length).toBeGreaterThan(0);
        expect(isNewestFirst(response.body.items)).toBe(true);
        for (const item of response.body.items) {
          expect(item).toMatchObject({ theatre: 'kursk', version: 1, details: expect.any(Object) });
        }
      },
    );

    it('filters deployments by actor', async () => {
      const response = await reader('GET', '/v1/theatres/kursk/deployments?actor=KP');
      expect(response.body.items.map((item: Item) => item.reportId)).toEqual([
        'kp-withdrawal',
        'kp-arrival',
      ]);
    });

    it('filters casualties and sanction demands by party', async () => {
      const casualties = await reader('GET', '/v1/theatres/kursk/casualties?party=UA');
      expect(casualties.body.items.map((item: Item) => item.reportId)).toEqual(['ua-civilians']);
      const demands = await reader('GET', '/v1/theatres/kursk/sanction-demands?party=UA');
      expect(demands.body.items).toEqual([]);
    });

    it('filters ceasefire violations by party, accused or accusing', async () => {
      const response = await reader('GET', '/v1/theatres/kursk/ceasefire-violations?party=UA');
      expect(response.body.items.map((item: Item) => item.reportId).sort()).toEqual(
        ['after-snapshot', 'kherson-shelling', 'odesa-drones'].sort(),
      );
    });

    it('filters by occurredAt in [from, to)', async () => {
      const from = iso(now - 48 * HOUR);
      const to = iso(now - 20 * HOUR);
      const response = await reader('GET', `/v1/theatres/kursk/deployments?from=${from}&to=${to}`);
      expect(response.body.items.map((item: Item) => item.reportId)).toEqual([
        'kp-withdrawal',
        'kp-arrival',
      ]);
    });

    it('shows a correction’s new state and leaves a retracted report out', async () => {
      await file(aSanctionDemandReport({ reportId: 'to-correct', theatre: 'kursk', ...recent(3) }));
      await file(aSanctionDemandReport({ reportId: 'to-retract', theatre: 'kursk', ...recent(4) }));
      const corrected = await ingest('POST', '/v1/reports/to-correct/corrections', {
        expectedVersion: 1,
        reason: 'the demand was to ease, not lift',
        details: { ...aSanctionDemandReport().details, demand: 'ease' },
      });
      expect(corrected.status).toBe(201);
      const retracted = await ingest('POST', '/v1/reports/to-retract/retraction', {
        reason: 'misattributed',
      });
      expect(retracted.status).toBe(201);
      await caughtUp();
      const response = await reader('GET', '/v1/theatres/kursk/sanction-demands');
      const ids = response.body.items.map((item: Item) => item.reportId);
      expect(ids).toContain('to-correct');
      expect(ids).not.toContain('to-retract');
      const item = response.body.items.find((entry: Item) => entry.reportId === 'to-correct');
      expect(item).toMatchObject({
        version: 2,
        details: expect.objectContaining({ demand: 'ease' }),
      });
    });

    it('answers 404 for an unknown theatre', async () => {
      for (const list of LISTS) {
        expectProblem(await reader('GET', `/v1/theatres/atlantis/${list}`), 404);
      }
    });

    describe('pagination', () => {
      const PAGING = 'paging';
      const INITIAL = 137;

      beforeAll(async () => {
        // Several reports share an occurredAt, so the reportId tie-break is exercised.
        await file(
          ...Array.from({ length: INITIAL }, (_, i) =>
            aDeploymentReport({
              reportId: `page-${String(i).padStart(3, '0')}`,
              theatre: PAGING,
              occurredAt: iso(Date.UTC(2025, 0, 1) + Math.floor(i / 3) * HOUR),
              reportedAt: iso(Date.UTC(2025, 0, 3)),
            }),
          ),
        );
        await caughtUp();
      }, 120_000);

      it('pages through more than one page, each report once, in a stable order', async () => {
        const { items, pages } = await readAll(`/v1/theatres/${PAGING}/deployments`, 'limit=20');
        expect(pages).toBe(Math.ceil(INITIAL / 20));
        expect(items).toHaveLength(INITIAL);
        expect(new Set(items.map((item) => item.reportId)).size).toBe(INITIAL);
        expect(isNewestFirst(items)).toBe(true);
      });

      it('returns every report that existed exactly once while reports arrive concurrently', async () => {
        let writing = true;
        const writer = (async () => {
          for (let batch = 0; batch < 10; batch++) {
            // Inserts on both sides of any cursor: earlier and later occurredAt.
            await file(
              ...Array.from({ length: 10 }, (_, i) =>
                aDeploymentReport({
                  reportId: `concurrent-${batch}-${i}`,
                  theatre: PAGING,
                  occurredAt: iso(Date.UTC(2025, 0, 1) + ((batch * 10 + i) % 48) * HOUR + 1),
                  reportedAt: iso(Date.UTC(2025, 0, 3)),
                }),
              ),
            );
          }
        })().finally(() => {
          writing = false;
        });

        const { items, pages } = await readAllPages(
          reader,
          `/v1/theatres/${PAGING}/deployments`,
          '',
          9,
        );
        await writer;
        expect(writing).toBe(false);
        expect(pages).toBeGreaterThan(1);

        const ids = items.map((item) => item.reportId);
        expect(new Set(ids).size).toBe(ids.length);
        for (let i = 0; i < INITIAL; i++)
          expect(ids).toContain(`page-${String(i).padStart(3, '0')}`);
        expect(isNewestFirst(items)).toBe(true);
      });

      it('keeps the filters along a cursor', async () => {
        const from = iso(Date.UTC(2025, 0, 1) + 10 * HOUR);
        const to = iso(Date.UTC(2025, 0, 1) + 20 * HOUR);
        const { items } = await readAll(
          `/v1/theatres/${PAGING}/deployments`,
          `from=${from}&to=${to}&actor=KP&limit=4`,
        );
        expect(items.length).toBeGreaterThan(4);
        for (const item of items) {
          expect(item.occurredAt >= from && item.occurredAt < to).toBe(true);
        }
      });
    });

    describe('bad requests', () => {
      it.each([
        ['limit', 'limit=501'],
        ['limit', 'limit=0'],
        ['from', 'from=last-week'],
        ['to', 'from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z'],
        ['actor', 'actor=Not%20a%20party'],
        ['party', 'party=UA'],
        ['cursor', 'cursor=not-a-cursor'],
        ['cursor', 'cursor=%7B%7D'],
      ])('answers 400 naming %s for ?%s', async (path, query) => {
        const response = await reader('GET', `/v1/theatres/kursk/deployments?${query}`);
        expectProblem(response, 400);
        expect(response.body.errors).toEqual([{ path, message: expect.any(String) }]);
      });

      it('refuses the cursor of one list on another', async () => {
        const first = await reader('GET', '/v1/theatres/paging/deployments?limit=1');
        expect(first.body.nextCursor).toEqual(expect.any(String));
        const response = await reader(
          'GET',
          `/v1/theatres/kursk/casualties?cursor=${first.body.nextCursor}`,
        );
        expectProblem(response, 400);
        expect(response.body.errors).toEqual([{ path: 'cursor', message: expect.any(String) }]);
      });

      it('refuses a forged cursor whose key is not a date and a report id', async () => {
        const forged = Buffer.from(
          JSON.stringify({ s: 'deployments', k: { o: "'; DROP TABLE events; --", r: 'x' } }),
        ).toString('base64url');
        expectProblem(await reader('GET', `/v1/theatres/kursk/deployments?cursor=${forged}`), 400);
      });
    });
  });

  describe('access', () => {
    const paths = [
      '/v1/theatres',
      '/v1/theatres/kursk/overview',
      ...LISTS.map((list) => `/v1/theatres/kursk/${list}`),
    ];

    it.each(paths)('%s answers 401 without a key', async (path) => {
      expectProblem(await httpClient(testApp.baseUrl)('GET', path), 401);
    });

    it.each(paths)('%s answers 403 to an ingest-only key', async (path) => {
      expectProblem(await ingest('GET', path), 403);
    });
  });

  it('puts every call in the OpenAPI document, with its parameters', async () => {
    const document = (await httpClient(testApp.baseUrl)('GET', '/docs-json')).body;
    const parameters = (path: string) =>
      document.paths[path].get.parameters
        .map((parameter: { name: string }) => parameter.name)
        .sort();
    expect(document.paths['/v1/theatres'].get).toBeDefined();
    expect(parameters('/v1/theatres/{theatre}/overview')).toEqual(['asOf', 'theatre']);
    expect(parameters('/v1/theatres/{theatre}/deployments')).toEqual(
      ['actor', 'cursor', 'from', 'limit', 'theatre', 'to'].sort(),
    );
    for (const list of ['casualties', 'ceasefire-violations', 'sanction-demands']) {
      expect(parameters(`/v1/theatres/{theatre}/${list}`)).toEqual(
        ['cursor', 'from', 'limit', 'party', 'theatre', 'to'].sort(),
      );
    }
    const answer = (path: string) =>
      document.paths[path].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(answer('/v1/theatres').properties)).toEqual(['items']);
    expect(answer('/v1/theatres/{theatre}/overview').properties).toHaveProperty('openAlerts');
    for (const list of LISTS) {
      const page = answer(`/v1/theatres/{theatre}/${list}`);
      expect(Object.keys(page.properties).sort()).toEqual(['items', 'nextCursor']);
      // Items are reports: the contract's schema, which the document must hold.
      const reportRef: string = page.properties.items.items.$ref;
      expect(document.components.schemas[reportRef.split('/').pop()!]).toBeDefined();
    }
    expect(Object.keys(answer('/v1/events').properties).sort()).toEqual(['items', 'nextPosition']);
  });
});
