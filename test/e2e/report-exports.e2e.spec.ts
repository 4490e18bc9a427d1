import { check as checkGeoJson } from '@placemarkio/check-geojson';
import type { FeatureCollection } from 'geojson';
import { parse as parseCsv } from 'csv-parse/sync';
import {
  aCasualtyReport,
  aDeploymentReport,
  aSanctionDemandReport,
  aViolationReport,
} from '@cm/contracts/testing';
import { ProjectorService } from '@cm/projector';
import type { TestApp } from '@cm/test-support';
import { httpClient, startTestApp, TEST_KEYS } from '@cm/test-support';
import {
  fileBatch,
  readAllPages,
  REPORT_LISTS as LISTS,
  type HttpClient as Client,
} from '@cm/test-support/report-lists';
import { eventually } from '@cm/test-support/eventually';

const HOUR = 3_600_000;
const THEATRE = 'donbas-x';
const OTHER = 'sahel-y';

/** Text a spreadsheet or a careless CSV writer would get wrong. */
const AWKWARD_SOURCE = 'Ministry of Defence, "daily"\nbriefing';
const FORMULA_PLACE = '=HYPERLINK("http://x","click")';
const FORMULA_TARGET = '-1+2 port, "east"';

const at = (iso: string) => ({
  occurredAt: iso,
  reportedAt: new Date(Date.parse(iso) + HOUR).toISOString(),
});
const awkwardSource = {
  name: AWKWARD_SOURCE,
  kind: 'government' as const,
  reliability: 'B' as const,
  credibility: 2 as const,
};
const place = (name: string, lat: number, lon: number) => ({
  name,
  country: 'UA',
  lat,
  lon,
  precision: 'near' as const,
});

/** The first batch: what asOf T sees. */
const FIRST = [
  aDeploymentReport({
    reportId: 'x-ru-buildup',
    theatre: THEATRE,
    ...at('2025-03-01T10:00:00.000Z'),
    source: awkwardSource,
    location: place(FORMULA_PLACE, 48.0, 37.8),
    details: { actor: 'RU', supporting: undefined, movement: 'buildup', personnel: { best: 5000 } },
  }),
  aDeploymentReport({
    reportId: 'x-ru-withdrawal',
    theatre: THEATRE,
    ...at('2025-03-10T10:00:00.000Z'),
    location: undefined,
    details: {
      actor: 'RU',
      supporting: undefined,
      movement: 'withdrawal',
      personnel: { best: 2000 },
      equipment: undefined,
    },
  }),
  aDeploymentReport({ reportId: 'x-kp-arrival', theatre: THEATRE }),
  aCasualtyReport({
    reportId: 'x-ua-killed-1',
    theatre: THEATRE,
    ...at('2025-03-02T08:00:00.000Z'),
    source: awkwardSource,
    location: place('Pokrovsk', 48.28, 37.18),
    details: { party: 'UA', category: 'killed', cumulative: false, count: { best: 4 } },
  }),
  aCasualtyReport({
    reportId: 'x-ua-killed-2',
    theatre: THEATRE,
    ...at('2025-03-15T08:00:00.000Z'),
    location: undefined,
    details: { party: 'UA', category: 'killed', cumulative: false, count: { best: 6 } },
  }),
  // KP's running totals from two sources: the more reliable (B2) is the headline.
  aCasualtyReport({ reportId: 'x-kp-total-office-1', theatre: THEATRE }),
  aCasualtyReport({
    reportId: 'x-kp-total-ministry',
    theatre: THEATRE,
    ...at('2025-01-10T00:00:00.000Z'),
    source: awkwardSource,
    details: { count: { best: 3500 } },
  }),
  aCasualtyReport({
    reportId: 'x-kp-total-office-2',
    theatre: THEATRE,
    ...at('2025-02-01T00:00:00.000Z'),
    details: { count: { best: 4000 } },
  }),
  aViolationReport({
    reportId: 'x-odesa',
    theatre: THEATRE,
    details: { target: FORMULA_TARGET, description: 'drones at night,\nthen "shelling"' },
  }),
  aViolationReport({
    reportId: 'x-kherson',
    theatre: THEATRE,
    ...at('2025-03-20T12:00:00.000Z'),
    location: undefined,
    details: { accusedParty: 'UA', accusingParty: 'RU', means: 'artillery' },
  }),
  aSanctionDemandReport({ reportId: 'x-swift', theatre: THEATRE }),
  aCasualtyReport({ reportId: 'x-retracted', theatre: THEATRE, ...at('2025-03-05T00:00:00.000Z') }),
  aDeploymentReport({
    reportId: 'y-deployment',
    theatre: OTHER,
    ...at('2025-02-20T00:00:00.000Z'),
    location: { name: 'Menaka', country: 'ML', lat: 15.9, lon: 2.4, precision: 'exact' },
  }),
  aCasualtyReport({
    reportId: 'y-casualty',
    theatre: OTHER,
    ...at('2025-02-21T00:00:00.000Z'),
    source: awkwardSource,
    location: { name: 'Gao', country: 'ML', lat: 16.27, lon: -0.04, precision: 'near' },
    details: { party: 'ML', category: 'killed', cumulative: false, count: { best: 9 } },
  }),
];

/** Filed after T: the live series has them, the series asOf T must not. */
const LATER = [
  aCasualtyReport({
    reportId: 'x-ua-killed-late',
    theatre: THEATRE,
    ...at('2025-03-03T08:00:00.000Z'),
    details: { party: 'UA', category: 'killed', cumulative: false, count: { best: 10 } },
  }),
  aCasualtyReport({
    reportId: 'x-kp-total-ministry-2',
    theatre: THEATRE,
    ...at('2025-03-01T00:00:00.000Z'),
    source: awkwardSource,
    details: { count: { best: 3900 } },
  }),
  aDeploymentReport({
    reportId: 'x-ru-late',
    theatre: THEATRE,
    ...at('2025-03-04T00:00:00.000Z'),
    details: { actor: 'RU', supporting: undefined, movement: 'arrival', personnel: { best: 700 } },
  }),
];

describe('search, CSV and GeoJSON exports, series (real app, real PostgreSQL)', () => {
  let testApp: TestApp;
  let ingest: Client;
  let reader: Client;
  let asOf: string;

  const caughtUp = async () => {
    const subscription = testApp.app.get(ProjectorService).current();
    if (!subscription) throw new Error('the projector is not running in the test app');
    await subscription.waitUntilCaughtUp(undefined, 30_000);
  };
  const file = (reports: object[]) => fileBatch(ingest, reports);
  /** Every page of a list, following nextCursor. */
  const readAll = (path: string, query = '', limit = 100) =>
    readAllPages(reader, path, query, limit);
  /** The raw bytes, so the byte order mark is seen (fetch's text() drops it). */
  const download = async (path: string, accept: string) => {
    const response = await fetch(`${testApp.baseUrl}${path}`, {
      headers: { authorization: `Bearer ${TEST_KEYS.read}`, accept },
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    return { status: response.status, headers: response.headers, bytes };
  };
  const ids = (items: { reportId: string }[]) => items.map((item) => item.reportId);

  beforeAll(async () => {
    testApp = await startTestApp();
    ingest = httpClient(testApp.baseUrl, TEST_KEYS.ingest);
    reader = httpClient(testApp.baseUrl, TEST_KEYS.read);
    await file(FIRST);
    const retraction = await ingest('POST', '/v1/reports/x-retracted/retraction', {
      reason: 'withdrawn by the source',
    });
    expect(retraction.status).toBeLessThan(300);
    await caughtUp();
    await new Promise((resolve) => setTimeout(resolve, 20));
    asOf = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await file(LATER);
    await caughtUp();
  }, 120_000);
  afterAll(async () => {
    await testApp?.close();
  }, 60_000);

  describe('GET /v1/reports', () => {
    const all = [...FIRST, ...LATER].filter((report) => report.reportId !== 'x-retracted');
    const expected = (keep: (report: (typeof all)[number]) => boolean) =>
      all
        .filter(keep)
        .sort((a, b) =>
          a.occurredAt !== b.occurredAt
            ? Date.parse(b.occurredAt) - Date.parse(a.occurredAt)
            : Buffer.compare(Buffer.from(b.reportId), Buffer.from(a.reportId)),
        )
        .map((report) => report.reportId);

    it('finds every report of every theatre, newest first, page by page', async () => {
      const { items, pages } = await readAll('/v1/reports', '', 4);
      expect(ids(items)).toEqual(expected(() => true));
      expect(pages).toBe(Math.ceil(all.length / 4));
      expect(items.find((item) => item.reportId === 'x-ru-buildup')).toMatchObject({
        version: 1,
        source: { name: AWKWARD_SOURCE },
      });
    });

    it.each([
      ['theatre', `theatre=${OTHER}`, (r: any) => r.theatre === OTHER],
      ['type', 'type=casualty', (r: any) => r.type === 'casualty'],
      [
        'from and to',
        'from=2025-03-01T00:00:00Z&to=2025-03-15T08:00:00Z',
        (r: any) =>
          r.occurredAt >= '2025-03-01T00:00:00.000Z' && r.occurredAt < '2025-03-15T08:00:00.000Z',
      ],
      [
        'source',
        `source=${encodeURIComponent(AWKWARD_SOURCE)}`,
        (r: any) => r.source.name === AWKWARD_SOURCE,
      ],
      [
        'bbox',
        'bbox=37,48,38,48.5',
        (r: any) =>
          r.location !== undefined &&
          r.location.lon >= 37 &&
          r.location.lon <= 38 &&
          r.location.lat >= 48 &&
          r.location.lat <= 48.5,
      ],
      [
        'bbox across the prime meridian with a theatre and type',
        `bbox=-1,10,3,20&theatre=${OTHER}&type=casualty`,
        (r: any) => r.reportId === 'y-casualty',
      ],
    ])('filters by %s', async (_name, query, keep) => {
      const { items } = await readAll('/v1/reports', query, 2);
      const wanted = expected(keep);
      expect(wanted.length).toBeGreaterThan(0);
      expect(wanted.length).toBeLessThan(all.length);
      expect(ids(items)).toEqual(wanted);
    });

    it.each([
      ['bbox=1,2,3', 'bbox'],
      ['bbox=1,2,3,x', 'bbox'],
      ['bbox=181,0,182,1', 'bbox'],
      ['bbox=10,0,5,1', 'bbox'],
      ['bbox=0,50,1,40', 'bbox'],
      ['type=rumour', 'type'],
      ['theatre=Not%20A%20Slug', 'theatre'],
      ['from=yesterday', 'from'],
      ['cursor=not-a-cursor', 'cursor'],
      ['source=a%00b', 'source'],
    ])('refuses %s with a 400 naming %s', async (query, path) => {
      const response = await reader('GET', `/v1/reports?${query}`);
      expect(response.status).toBe(400);
      expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(path);
    });

    it('refuses a tampered cursor and a theatre list’s cursor', async () => {
      const page = await reader('GET', '/v1/reports?limit=1');
      const decoded = JSON.parse(Buffer.from(page.body.nextCursor, 'base64url').toString());
      decoded.k.o = 'soon';
      const tampered = Buffer.from(JSON.stringify(decoded)).toString('base64url');
      const list = await reader('GET', `/v1/theatres/${THEATRE}/casualties?limit=1`);
      for (const cursor of [tampered, list.body.nextCursor]) {
        const response = await reader('GET', `/v1/reports?cursor=${cursor}`);
        expect(response.status).toBe(400);
        expect(response.body.errors[0].path).toBe('cursor');
      }
    });
  });

  describe('exports', () => {
    const paths = [
      ...LISTS.map((list) => [`/v1/theatres/${THEATRE}/${list}`, ''] as const),
      [`/v1/theatres/${THEATRE}/casualties`, 'party=KP'] as const,
      [`/v1/theatres/${THEATRE}/ceasefire-violations`, 'party=RU'] as const,
      ['/v1/reports', ''] as const,
      ['/v1/reports', `type=casualty&source=${encodeURIComponent(AWKWARD_SOURCE)}`] as const,
    ];

    it.each(paths)('CSV of %s?%s equals its JSON list', async (path, query) => {
      const { items } = await readAll(path, query);
      const response = await download(`${path}${query ? `?${query}` : ''}`, 'text/csv');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
      expect(response.headers.get('content-disposition')).toMatch(
        /^attachment; filename="[a-z0-9-]+-\d{8}T\d{6}Z\.csv"$/,
      );
      expect(response.bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
      const text = response.bytes.toString('utf8');
      // Every record ends in CRLF; a bare LF only inside a quoted cell.
      expect(text.endsWith('\r\n')).toBe(true);
      const rows = parseCsv(text, { bom: true, columns: true, relax_quotes: false }) as Record<
        string,
        string
      >[];
      expect(rows.map((row) => row.reportId)).toEqual(ids(items));
      items.forEach((item, i) => {
        const row = rows[i];
        expect(row.type).toBe(item.type);
        expect(row.theatre).toBe(item.theatre);
        expect(row.occurredAt).toBe(item.occurredAt);
        expect(row.version).toBe(String(item.version));
        expect(row['source.name']).toBe(item.source.name);
        expect(row['source.credibility']).toBe(String(item.source.credibility));
        const placeName: string | undefined = item.location?.name;
        expect(row['location.name']).toBe(
          placeName === undefined ? '' : /^[=+\-@]/.test(placeName) ? `'${placeName}` : placeName,
        );
        expect(row['location.lon']).toBe(item.location ? String(item.location.lon) : '');
        expect(row['location.precision']).toBe(item.location?.precision ?? '');
        switch (item.type) {
          case 'casualty':
            expect(row['details.count.best']).toBe(String(item.details.count.best));
            expect(row['details.cumulative']).toBe(String(item.details.cumulative));
            break;
          case 'deployment':
            expect(row['details.actor']).toBe(item.details.actor);
            expect(JSON.parse(row['details.equipment'] || 'null')).toEqual(
              item.details.equipment ?? null,
            );
            break;
          case 'ceasefire_violation':
            expect(row['details.description']).toBe(item.details.description ?? '');
            expect(row['details.target']).toBe(
              item.details.target?.startsWith('-')
                ? `'${item.details.target}`
                : (item.details.target ?? ''),
            );
            break;
          case 'sanction_demand':
            expect(JSON.parse(row['details.sanctions'])).toEqual(item.details.sanctions);
            break;
        }
      });
    });

    it('guards formulas and keeps awkward text intact', async () => {
      const response = await download(`/v1/theatres/${THEATRE}/deployments`, 'text/csv');
      const text = response.bytes.toString('utf8');
      expect(text).toContain(`"'=HYPERLINK(""http://x"",""click"")"`);
      expect(text).toContain('"Ministry of Defence, ""daily""\nbriefing"');
      const rows = parseCsv(text, { bom: true, columns: true }) as Record<string, string>[];
      const buildup = rows.find((row) => row.reportId === 'x-ru-buildup')!;
      expect(buildup['location.name']).toBe(`'${FORMULA_PLACE}`);
      expect(buildup['source.name']).toBe(AWKWARD_SOURCE);
    });

    it.each(paths)('GeoJSON of %s?%s is valid and holds the located items', async (path, query) => {
      const { items } = await readAll(path, query);
      const response = await download(`${path}${query ? `?${query}` : ''}`, 'application/geo+json');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/geo\+json/);
      expect(response.headers.get('content-disposition')).toMatch(/\.geojson"$/);
      const text = response.bytes.toString('utf8');
      // Throws with the problems found when it is not valid GeoJSON.
      const collection = checkGeoJson(text) as any;
      expect(collection.type).toBe('FeatureCollection');
      const located = items.filter((item) => item.location !== undefined);
      expect(response.headers.get('x-unlocated-count')).toBe(String(items.length - located.length));
      expect(collection.features.map((feature: any) => feature.id)).toEqual(ids(located));
      collection.features.forEach((feature: any, i: number) => {
        expect(feature.geometry).toEqual({
          type: 'Point',
          coordinates: [located[i].location.lon, located[i].location.lat],
        });
        expect(feature.properties).toEqual(located[i]);
      });
    });

    it('streams a list too large for one page whole, and pages stay JSON by default', async () => {
      const many = Array.from({ length: 1200 }, (_, i) =>
        aViolationReport({
          reportId: `bulk-${String(i).padStart(5, '0')}`,
          theatre: 'bulk-theatre',
          ...at(new Date(Date.parse('2025-01-01T00:00:00Z') + i * 60_000).toISOString()),
          location: i % 3 === 0 ? undefined : place('Bulk', 47 + i / 10_000, 35),
        }),
      );
      for (let i = 0; i < many.length; i += 500) await file(many.slice(i, i + 500));
      await caughtUp();
      const csv = await download('/v1/theatres/bulk-theatre/ceasefire-violations', 'text/csv');
      const rows = parseCsv(csv.bytes, { bom: true, columns: true }) as { reportId: string }[];
      expect(rows).toHaveLength(1200);
      expect(rows[0].reportId).toBe('bulk-01199');
      const geo = await download(
        '/v1/theatres/bulk-theatre/ceasefire-violations',
        'application/geo+json',
      );
      const collection = checkGeoJson(geo.bytes.toString('utf8')) as FeatureCollection;
      expect(collection.features).toHaveLength(800);
      expect(geo.headers.get('x-unlocated-count')).toBe('400');
      const json = await reader('GET', '/v1/theatres/bulk-theatre/ceasefire-violations');
      expect(json.headers.get('content-type')).toContain('application/json');
      expect(json.body.items).toHaveLength(100);
    }, 90_000);

    it('returns the connection when the client goes away mid-export', async () => {
      const pool = testApp.database.pool;
      const exporting = async () => {
        const { rows } = await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'FETCH%report_export%'
             OR query LIKE 'DECLARE report_export%'`,
        );
        return rows[0].n;
      };
      const controller = new AbortController();
      const response = await fetch(
        `${testApp.baseUrl}/v1/theatres/bulk-theatre/ceasefire-violations`,
        {
          headers: { authorization: `Bearer ${TEST_KEYS.read}`, accept: 'text/csv' },
          signal: controller.signal,
        },
      );
      const reader = response.body!.getReader();
      await reader.read();
      controller.abort();
      await reader.cancel().catch(() => undefined);
      await eventually('the aborted export to end', async () => (await exporting()) === 0, 10_000);
      // The app still answers: no connection was lost to the aborted export.
      const after = await download('/v1/theatres/bulk-theatre/ceasefire-violations', 'text/csv');
      expect(after.status).toBe(200);
    });

    it('refuses paging parameters on an export', async () => {
      for (const accept of ['text/csv', 'application/geo+json']) {
        const response = await reader('GET', '/v1/reports?limit=5', undefined, { accept });
        expect(response.status).toBe(400);
        expect(response.body.errors[0].path).toBe('limit');
      }
    });

    it('answers 404 for an unknown theatre in every format', async () => {
      for (const accept of ['application/json', 'text/csv', 'application/geo+json']) {
        const response = await reader('GET', '/v1/theatres/atlantis/casualties', undefined, {
          accept,
        });
        expect(response.status).toBe(404);
      }
    });
  });

  describe('GET /v1/theatres/{t}/series', () => {
    const sum = (series: any, key: string) =>
      series.buckets.reduce((total: number, bucket: any) => total + (bucket.values[key] ?? 0), 0);
    /** The overview's casualty figure per key: a group's headline if it has totals, else increments. */
    const casualtyFigures = (overview: any, by: 'party' | 'category') => {
      const figures = new Map<string, number>();
      for (const group of overview.casualties) {
        const value = group.cumulative ? group.cumulative.headline.best : group.increments.best;
        figures.set(group[by], (figures.get(group[by]) ?? 0) + value);
      }
      return figures;
    };
    const seriesOf = async (query: string) => {
      const response = await reader('GET', `/v1/theatres/${THEATRE}/series?${query}`);
      expect(response.status).toBe(200);
      return response.body;
    };

    it.each([
      ['live', ''],
      ['asOf', 'asOf'],
    ])('sums to the overview’s figures (%s)', async (_name, mode) => {
      const suffix = mode ? `&asOf=${asOf}` : '';
      const overview = (
        await reader('GET', `/v1/theatres/${THEATRE}/overview${mode ? `?asOf=${asOf}` : ''}`)
      ).body;
      for (const by of ['party', 'category'] as const) {
        for (const interval of ['day', 'week', 'month']) {
          const series = await seriesOf(
            `measure=casualties&by=${by}&interval=${interval}${suffix}`,
          );
          const figures = casualtyFigures(overview, by);
          expect(figures.size).toBeGreaterThan(0);
          for (const [key, value] of figures) expect(sum(series, key)).toBe(value);
        }
      }
      const personnel = await seriesOf(`measure=personnel&by=actor&interval=week${suffix}`);
      for (const { party, best } of overview.personnel.byActor) {
        expect(sum(personnel, party)).toBe(best);
      }
      const supported = await seriesOf(`measure=personnel&by=party&interval=month${suffix}`);
      for (const { party, best } of overview.personnel.bySupportingParty) {
        expect(sum(supported, party)).toBe(best);
      }
    });

    it('differs between live and asOf by what was filed after asOf', async () => {
      const live = await seriesOf('measure=casualties&by=party&interval=month');
      const then = await seriesOf(`measure=casualties&by=party&interval=month&asOf=${asOf}`);
      // UA: 4 + 6, then 10 more; KP's headline (the ministry, B2) went from 3500 to 3900.
      expect(sum(then, 'UA')).toBe(10);
      expect(sum(live, 'UA')).toBe(20);
      expect(sum(then, 'KP')).toBe(3500);
      expect(sum(live, 'KP')).toBe(3900);
    });

    it('counts violations by accused party in ISO weeks and months', async () => {
      const weeks = await seriesOf('measure=violations&interval=week');
      expect(weeks).toMatchObject({ measure: 'violations', interval: 'week', by: 'accused' });
      // 2025-03-20 (Thursday) and 2025-04-02 (Wednesday): weeks of Mondays 03-17 and 03-31.
      expect(weeks.buckets).toEqual([
        { start: '2025-03-17T00:00:00.000Z', values: { UA: 1 } },
        { start: '2025-03-24T00:00:00.000Z', values: {} },
        { start: '2025-03-31T00:00:00.000Z', values: { RU: 1 } },
      ]);
      const months = await seriesOf(
        'measure=violations&interval=month&by=accused&from=2025-03-01T00:00:00Z&to=2025-04-01T00:00:00Z',
      );
      expect(months.buckets).toEqual([{ start: '2025-03-01T00:00:00.000Z', values: { UA: 1 } }]);
    });

    it.each([
      ['measure=violations&by=party', 'by'],
      ['measure=personnel&by=category', 'by'],
      ['measure=deaths', 'measure'],
      ['interval=year', 'interval'],
      ['interval=day&from=1900-01-01T00:00:00Z&to=2025-01-01T00:00:00Z', 'interval'],
      ['from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z', 'to'],
      ['asOf=2999-01-01T00:00:00Z', 'asOf'],
      ['bucket=day', 'bucket'],
    ])('refuses %s with a 400 naming %s', async (query, path) => {
      const response = await reader('GET', `/v1/theatres/${THEATRE}/series?${query}`);
      expect(response.status).toBe(400);
      expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(path);
    });

    it('answers 404 for an unknown theatre, live and asOf', async () => {
      expect((await reader('GET', '/v1/theatres/atlantis/series')).status).toBe(404);
      expect(
        (await reader('GET', `/v1/theatres/${THEATRE}/series?asOf=2000-01-01T00:00:00Z`)).status,
      ).toBe(404);
    });
  });
});
