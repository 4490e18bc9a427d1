import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { AlerterService } from '@cm/alerter';
import { ProjectorService } from '@cm/projector';
import { Importer, type ImportStats, type RejectedRow } from '../../scripts/import/importer';
import { MonitorApi } from '../../scripts/import/monitor-api';
import { TheatreMapping } from '../../scripts/import/theatre-mapping';
import { readDeletions } from '../../scripts/import/run-import';
import type { TestApp } from '@cm/test-support';
import { httpClient, startTestApp, TEST_KEYS } from '@cm/test-support';

const FIXTURES = join(__dirname, '..', 'fixtures', 'import');
const fixture = (name: string) => join(FIXTURES, name);

/**
 * The importer against the real monitor (real HTTP, real PostgreSQL), one story: ACLED's
 * release of 8 March, the same rows without a header, the same file again, the release of
 * 15 March (a revised row, a row gone, a row fixed) as a complete release, ACLED's deletion
 * list; then UCDP GED 25.1 and 25.2 the same way. Every figure is worked out by hand from
 * the fixtures in the comments.
 */
describe('npm run import into a running monitor (real app, real PostgreSQL)', () => {
  let testApp: TestApp;
  let read: ReturnType<typeof httpClient>;
  let api: MonitorApi;

  beforeAll(async () => {
    testApp = await startTestApp();
    read = httpClient(testApp.baseUrl, TEST_KEYS.read);
    api = new MonitorApi(testApp.baseUrl, TEST_KEYS.both);
  }, 120_000);

  afterAll(async () => {
    await testApp?.close();
  }, 60_000);

  const caughtUp = async () => {
    await testApp.app.get(ProjectorService).current()!.waitUntilCaughtUp(undefined, 30_000);
    await testApp.app.get(AlerterService).waitUntilCaughtUp(undefined, 30_000);
  };

  const importFile = async (
    format: 'ucdp-ged' | 'acled',
    file: string,
    options: {
      release: string;
      theatres?: string;
      completeRelease?: boolean;
      deletions?: string[];
    },
  ): Promise<{ stats: ImportStats; rejects: RejectedRow[] }> => {
    const rejects: RejectedRow[] = [];
    const importer = new Importer({
      format,
      input: createReadStream(fixture(file)),
      mapper: {
        release: options.release,
        theatres: options.theatres
          ? TheatreMapping.fromFile(fixture(options.theatres))
          : TheatreMapping.empty(),
      },
      api,
      completeRelease: options.completeRelease,
      deletions: options.deletions,
      // Small batches and several in flight: the paths of a big file on a small one.
      batchSize: 3,
      inFlight: 3,
      onReject: (reject) => rejects.push(reject),
    });
    const stats = await importer.run();
    await caughtUp();
    return { stats, rejects };
  };

  const storedEvents = async (): Promise<number> => {
    let after = 0;
    let count = 0;
    for (;;) {
      const page = await read('GET', `/v1/events?after=${after}&limit=500`);
      expect(page.status).toBe(200);
      count += page.body.items.length;
      if (page.body.items.length === 0) return count;
      after = page.body.nextPosition;
    }
  };

  const casualties = async (theatre: string) => {
    const { status, body } = await read('GET', `/v1/theatres/${theatre}/overview`);
    expect(status).toBe(200);
    return {
      reports: body.reports.casualties as number,
      groups: Object.fromEntries(
        (body.casualties as any[]).map((group) => [
          `${group.party} ${group.category}${group.civilian ? ' civilian' : ''}`,
          group.increments,
        ]),
      ),
    };
  };

  const alertRules = async (theatre: string): Promise<string[]> => {
    const { status, body } = await read('GET', `/v1/alerts?theatre=${theatre}`);
    expect(status).toBe(200);
    return (body.items as { rule: string }[]).map((alert) => alert.rule).sort();
  };

  const counts = (stats: ImportStats) => ({
    rows: stats.rows,
    filed: stats.filed,
    unchanged: stats.unchanged,
    corrected: stats.corrected,
    retracted: stats.retracted,
    skipped: stats.skipped,
    invalid: stats.invalid,
    unresolved: stats.unresolved,
  });

  describe('ACLED', () => {
    it('files the casualties of a release, skips the rest with reasons, names the bad row', async () => {
      const { stats, rejects } = await importFile('acled', 'acled-2024-03-08.csv', {
        release: 'ACLED 2024-03-08',
      });
      // 8 rows: UKR1001 (120), UKR1002 (3, civilians), UKR1006 (5), RUS1007 (2) filed; a
      // protest, a base and an agreement skipped; UKR1008 ("many" fatalities) refused.
      expect(counts(stats)).toEqual({
        rows: 8,
        filed: 4,
        unchanged: 0,
        corrected: 0,
        retracted: 0,
        skipped: 3,
        invalid: 1,
        unresolved: 0,
      });
      expect(rejects.filter((reject) => reject.kind === 'invalid')).toEqual([
        {
          line: 10,
          sourceId: 'UKR1008',
          kind: 'invalid',
          reason: 'fatalities "many" is not a whole number',
        },
      ]);
      expect(
        rejects.filter((reject) => reject.kind === 'skipped').map((reject) => reject.line),
      ).toEqual([5, 6, 7]);

      // Ukraine: 120 + 5 of unknown side, 3 civilians; Russia: 2 of unknown side.
      expect(await casualties('ukraine')).toEqual({
        reports: 3,
        groups: {
          'unknown killed': { reports: 2, low: 125, best: 125, high: 125 },
          'UA killed civilian': { reports: 1, low: 3, best: 3, high: 3 },
        },
      });
      expect(await casualties('russia')).toEqual({
        reports: 1,
        groups: { 'unknown killed': { reports: 1, low: 2, best: 2, high: 2 } },
      });
      // 128 casualties in the week to 6 March against none before: over the spike rule's
      // minimum of 100 in Ukraine; 2 in Russia are not.
      expect(await alertRules('ukraine')).toEqual(['casualty-spike']);
      expect(await alertRules('russia')).toEqual([]);

      const located = await read('GET', '/v1/theatres/ukraine/casualties');
      const byId = Object.fromEntries(
        (located.body.items as any[]).map((item) => [item.reportId, item]),
      );
      expect(byId['acled:UKR1001']).toMatchObject({
        occurredAt: '2024-03-01T00:00:00.000Z',
        occurredPrecision: 'day',
        location: { name: 'Avdiivka', country: 'UA', precision: 'exact' },
        source: { name: 'ACLED 2024-03-08' },
      });
      expect(byId['acled:UKR1002']).toMatchObject({
        occurredAt: '2024-03-02T00:00:00.000Z',
        occurredPrecision: 'week',
        location: { name: 'Kramatorsk', precision: 'near' },
      });
      // No coordinates: no location; time_precision 3 is a month.
      expect(byId['acled:UKR1006'].location).toBeUndefined();
      expect(byId['acled:UKR1006'].occurredPrecision).toBe('month');
    }, 120_000);

    it('stores nothing new for the same rows without a header, or the same file again', async () => {
      const before = await storedEvents();
      const headerless = await importFile('acled', 'acled-2024-03-08-no-header.csv', {
        release: 'ACLED 2024-03-08',
      });
      expect(counts(headerless.stats)).toMatchObject({ filed: 0, unchanged: 4, invalid: 1 });
      expect(headerless.rejects.find((reject) => reject.kind === 'invalid')?.line).toBe(9);
      const again = await importFile('acled', 'acled-2024-03-08.csv', {
        release: 'ACLED 2024-03-08',
      });
      expect(counts(again.stats)).toMatchObject({ filed: 0, unchanged: 4, corrected: 0 });
      expect(await storedEvents()).toBe(before);
    }, 120_000);

    it('turns a revised release into corrections and, complete, its missing row into a retraction', async () => {
      const { stats } = await importFile('acled', 'acled-2024-03-15.csv', {
        release: 'ACLED 2024-03-15',
        completeRelease: true,
      });
      // UKR1001 revised (120 -> 150, 1 -> 2 March), UKR1008 now readable (1), UKR1006 gone,
      // UKR1002 and RUS1007 the same under the new release's name.
      expect(counts(stats)).toEqual({
        rows: 7,
        filed: 1,
        unchanged: 2,
        corrected: 1,
        retracted: 1,
        skipped: 3,
        invalid: 0,
        unresolved: 0,
      });
      const revised = await read('GET', '/v1/reports/acled:UKR1001');
      expect(revised.body.version).toBe(2);
      expect(revised.body.report.details.count).toEqual({ best: 150 });
      expect(revised.body.history.map((event: any) => event.type)).toEqual([
        'CasualtyReported',
        'ReportCorrected',
      ]);
      expect(revised.body.history[0].data.details.count).toEqual({ best: 120 });
      expect(revised.body.history[1].data).toMatchObject({
        details: { count: { best: 150 } },
        occurredAt: '2024-03-02T00:00:00.000Z',
      });
      expect(revised.body.history[1].data.reason).toContain('ACLED 2024-03-15');
      expect(revised.body.history[1].data.reason).toContain('details.count.best 120 -> 150');
      const gone = await read('GET', '/v1/reports/acled:UKR1006');
      expect(gone.body).toMatchObject({ retracted: true });
      expect(gone.body.retractionReason).toContain('absent from the complete release');

      // Ukraine: 150 + 1 of unknown side (UKR1006's 5 retracted), 3 civilians.
      expect(await casualties('ukraine')).toEqual({
        reports: 3,
        groups: {
          'unknown killed': { reports: 2, low: 151, best: 151, high: 151 },
          'UA killed civilian': { reports: 1, low: 3, best: 3, high: 3 },
        },
      });

      // The same release again: nothing changes any more.
      const before = await storedEvents();
      const again = await importFile('acled', 'acled-2024-03-15.csv', {
        release: 'ACLED 2024-03-15',
        completeRelease: true,
      });
      expect(counts(again.stats)).toMatchObject({
        filed: 0,
        corrected: 0,
        retracted: 0,
        unchanged: 4,
      });
      expect(await storedEvents()).toBe(before);
    }, 120_000);

    it("retracts the events of ACLED's deletion list", async () => {
      const { stats } = await importFile('acled', 'acled-2024-03-15.csv', {
        release: 'ACLED 2024-03-15',
        deletions: readDeletions(fixture('acled-deleted-2024-03-15.csv'), 'acled'),
      });
      expect(stats.retracted).toBe(1);
      expect((await read('GET', '/v1/reports/acled:UKR1002')).body.retracted).toBe(true);
      expect((await casualties('ukraine')).groups['UA killed civilian']).toBeUndefined();
    }, 120_000);
  });

  describe('when it cannot go on', () => {
    const run = (target: MonitorApi) =>
      new Importer({
        format: 'acled',
        input: createReadStream(fixture('acled-2024-03-08.csv')),
        mapper: { release: 'ACLED', theatres: TheatreMapping.empty() },
        api: target,
      }).run();

    it('says so in a sentence when the monitor cannot be reached or the key is refused', async () => {
      const closed = new MonitorApi('http://127.0.0.1:1');
      await expect(run(closed)).rejects.toThrow(
        /The monitor at http:\/\/127\.0\.0\.1:1 cannot be reached .*set MONITOR_URL/,
      );
      await expect(run(new MonitorApi(testApp.baseUrl))).rejects.toThrow(/set API_KEY/);
      await expect(run(new MonitorApi(testApp.baseUrl, TEST_KEYS.read))).rejects.toThrow(
        /lacks the role/,
      );
    }, 60_000);
  });

  describe('UCDP GED', () => {
    it('files a casualty report per side with the event low and high shared out', async () => {
      const { stats, rejects } = await importFile('ucdp-ged', 'ucdp-ged-25.1.csv', {
        release: 'UCDP GED 25.1',
        theatres: 'ucdp-ged-theatres.json',
      });
      // 1001: a, b, civilians; 1002: civilians; 1003: a; 1004: unknown; 1005: a, b;
      // 1006: b; 1007: a. 1008 has 30 February.
      expect(counts(stats)).toMatchObject({ rows: 8, filed: 10, invalid: 1, skipped: 0 });
      expect(rejects).toEqual([
        expect.objectContaining({ line: 10, sourceId: '1008', kind: 'invalid' }),
      ]);
      // RU: 1001 {2,3,4} (event low 8, high 14 shared 3:5:2), 1003 {6,6,6}, 1005 {1,1,1},
      // 1007 {9,9,9}. UA: 1001 {4,5,7}, 1005 {1,1,1}, 1006 {2,2,3}. UA civilians: 1001
      // {2,2,3}, 1002 {4,4,6} (one-sided violence mapped to russia-ukraine). Unknown: 1004.
      expect(await casualties('russia-ukraine')).toEqual({
        reports: 10,
        groups: {
          'RU killed': { reports: 4, low: 18, best: 19, high: 20 },
          'UA killed': { reports: 3, low: 7, best: 8, high: 11 },
          'UA killed civilian': { reports: 2, low: 6, best: 6, high: 9 },
          'unknown killed': { reports: 1, low: 5, best: 7, high: 9 },
        },
      });
      const sea = await read('GET', '/v1/reports/ucdp-ged:1007:a');
      expect(sea.body.report).toMatchObject({
        occurredPrecision: 'week',
        location: { name: 'Black Sea', country: 'UA', precision: 'sea' },
        source: { name: 'UCDP GED 25.1', credibility: 2 },
      });
      expect(
        (await read('GET', '/v1/reports/ucdp-ged:1006:b')).body.report.location,
      ).toBeUndefined();
      expect(await alertRules('russia-ukraine')).toEqual([]);
    }, 120_000);

    it('corrects the revised side and retracts the deleted event of a complete release', async () => {
      const before = await storedEvents();
      const { stats } = await importFile('ucdp-ged', 'ucdp-ged-25.2.csv', {
        release: 'UCDP GED 25.2',
        theatres: 'ucdp-ged-theatres.json',
        completeRelease: true,
      });
      // 1001's deaths_b 5 -> 7 (low 10, high 16 now: b {6,7,9}; a and civilians keep
      // theirs); 1005 gone: its two reports retracted.
      expect(counts(stats)).toMatchObject({
        filed: 0,
        corrected: 1,
        unchanged: 7,
        retracted: 2,
        invalid: 1,
      });
      expect(await storedEvents()).toBe(before + 3);
      const side = await read('GET', '/v1/reports/ucdp-ged:1001:b');
      expect(side.body.history[0].data.details.count).toEqual({ low: 4, best: 5, high: 7 });
      expect(side.body.history[1].data.details.count).toEqual({ low: 6, best: 7, high: 9 });
      expect(await casualties('russia-ukraine')).toEqual({
        reports: 8,
        groups: {
          'RU killed': { reports: 3, low: 17, best: 18, high: 19 },
          'UA killed': { reports: 2, low: 8, best: 9, high: 12 },
          'UA killed civilian': { reports: 2, low: 6, best: 6, high: 9 },
          'unknown killed': { reports: 1, low: 5, best: 7, high: 9 },
        },
      });
    }, 120_000);
  });
});
