import { Readable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateReport } from '@cm/contracts';
import { AcledMapper, ACLED_COLUMNS } from '../../scripts/import/acled.mapper';
import { apportion } from '../../scripts/import/apportion';
import { countryCodeOfName, countryCodeOfNumeric } from '../../scripts/import/countries';
import { csvRows } from '../../scripts/import/csv-rows';
import { differences } from '../../scripts/import/importer';
import type { MappedReport, RowResult } from '../../scripts/import/mapping';
import { slugOf } from '../../scripts/import/slug';
import { TheatreMapping } from '../../scripts/import/theatre-mapping';
import { ucdpActor, UcdpGedMapper, UCDP_GED_COLUMNS } from '../../scripts/import/ucdp-ged.mapper';

const FIXTURES = join(__dirname, '..', 'fixtures', 'import');
const options = { release: 'Test release', theatres: TheatreMapping.empty() };

async function rowsOf(text: string) {
  const rows = [];
  for await (const row of csvRows(Readable.from([text]))) rows.push(row);
  return rows;
}

/** A UCDP GED row in the codebook's order from the fields that matter here. */
function ucdpFields(values: Record<string, string>): string[] {
  const defaults: Record<string, string> = {
    id: '42',
    conflict_new_id: '13243',
    conflict_name: 'Russia - Ukraine',
    side_a: 'Government of Russia (Soviet Union)',
    side_a_new_id: '57',
    side_b: 'Government of Ukraine',
    side_b_new_id: '61',
    where_prec: '1',
    where_coordinates: 'Bakhmut town',
    latitude: '48.6',
    longitude: '38.0',
    country: 'Ukraine',
    event_clarity: '1',
    date_prec: '1',
    date_start: '2023-03-01 00:00:00.000',
    date_end: '2023-03-01 00:00:00.000',
    deaths_a: '1',
    deaths_b: '0',
    deaths_civilians: '0',
    deaths_unknown: '0',
    best: '1',
    high: '1',
    low: '1',
  };
  return UCDP_GED_COLUMNS.map((name) => values[name] ?? defaults[name] ?? '');
}

function acledFields(values: Record<string, string>): string[] {
  const defaults: Record<string, string> = {
    event_id_cnty: 'UKR1',
    event_date: '2024-03-01',
    time_precision: '1',
    event_type: 'Battles',
    sub_event_type: 'Armed clash',
    iso: '804',
    country: 'Ukraine',
    location: 'Avdiivka',
    latitude: '48.14',
    longitude: '37.75',
    geo_precision: '1',
    fatalities: '4',
    timestamp: '1709769600',
  };
  return ACLED_COLUMNS.map((name) => values[name] ?? defaults[name] ?? '');
}

const reportsOf = (result: RowResult): MappedReport[] => {
  if (result.kind !== 'reports') throw new Error(`not reports: ${JSON.stringify(result)}`);
  return result.reports;
};
const ucdp = (values: Record<string, string>) =>
  new UcdpGedMapper(options).map({ line: 1, fields: ucdpFields(values) });
const acled = (values: Record<string, string>) =>
  new AcledMapper(options).map({ line: 1, fields: acledFields(values) });

describe('csvRows', () => {
  it('reads quoted commas and line breaks and gives each record its first line, LF or CRLF', async () => {
    for (const nl of ['\n', '\r\n']) {
      const rows = await rowsOf(`a,b${nl}${nl}1,"x,${nl}y"${nl}2,"say ""hi"""${nl}3,z`);
      expect(rows).toEqual([
        { line: 1, fields: ['a', 'b'] },
        { line: 3, fields: ['1', `x,${nl}y`] },
        { line: 5, fields: ['2', 'say "hi"'] },
        { line: 6, fields: ['3', 'z'] },
      ]);
    }
  });
});

describe('UCDP GED rows', () => {
  it('maps an event to a killed increment per side, governments as ISO codes', () => {
    const reports = reportsOf(
      ucdp({
        deaths_a: '3',
        deaths_b: '5',
        deaths_civilians: '2',
        best: '10',
        low: '8',
        high: '14',
      }),
    );
    expect(reports.map((report) => [report.reportId, report.details])).toEqual([
      [
        'ucdp-ged:42:a',
        {
          party: 'RU',
          category: 'killed',
          civilian: false,
          count: { best: 3, low: 2, high: 4 },
          cumulative: false,
        },
      ],
      [
        'ucdp-ged:42:b',
        {
          party: 'UA',
          category: 'killed',
          civilian: false,
          count: { best: 5, low: 4, high: 7 },
          cumulative: false,
        },
      ],
      [
        'ucdp-ged:42:civilians',
        {
          party: 'UA',
          category: 'killed',
          civilian: true,
          count: { best: 2, low: 2, high: 3 },
          cumulative: false,
        },
      ],
    ]);
    for (const report of reports) expect(validateReport(report, { now: new Date() }).ok).toBe(true);
    expect(reports[0]).toMatchObject({
      type: 'casualty',
      theatre: 'russia-ukraine',
      occurredAt: '2023-03-01T00:00:00.000Z',
      reportedAt: '2023-03-01T00:00:00.000Z',
      source: { name: 'Test release', reliability: 'B', credibility: 2 },
      location: { name: 'Bakhmut town', country: 'UA', lat: 48.6, lon: 38, precision: 'exact' },
    });
  });

  it.each([
    ['1', 'day'],
    ['2', 'week'],
    ['3', 'week'],
    ['4', 'month'],
    ['5', 'month'],
  ])('date_prec %s is %s', (code, precision) => {
    expect(reportsOf(ucdp({ date_prec: code }))[0].occurredPrecision).toBe(precision);
  });

  it.each([
    ['1', 'exact'],
    ['2', 'near'],
    ['3', 'region'],
    ['4', 'region'],
    ['5', 'region'],
    ['6', 'country'],
    ['7', 'sea'],
  ])('where_prec %s is %s', (code, precision) => {
    expect(reportsOf(ucdp({ where_prec: code }))[0].location).toMatchObject({ precision });
  });

  it('leaves the location out when the coordinates are missing', () => {
    expect(reportsOf(ucdp({ latitude: '', longitude: '' }))[0].location).toBeUndefined();
  });

  it('refuses unknown precision codes, impossible dates and broken counts with the reason', () => {
    expect(ucdp({ date_prec: '6' })).toEqual({
      kind: 'invalid',
      sourceId: '42',
      reason: 'date_prec "6" is not one of 1, 2, 3, 4, 5',
    });
    expect(ucdp({ date_start: '2023-02-30' })).toMatchObject({
      kind: 'invalid',
      reason: 'date_start "2023-02-30" is not a calendar date',
    });
    expect(ucdp({ deaths_a: '-1' })).toMatchObject({
      kind: 'invalid',
      reason: expect.stringContaining('deaths_a'),
    });
    expect(ucdp({ latitude: '48.6', longitude: '' })).toMatchObject({ kind: 'invalid' });
  });

  it('keeps an event of unknown deaths with a high above zero, and skips one without deaths', () => {
    const reports = reportsOf(ucdp({ deaths_a: '0', best: '0', low: '0', high: '3' }));
    expect(reports.map((report) => [report.reportId, (report.details as any).count])).toEqual([
      ['ucdp-ged:42:unknown', { best: 0, low: 0, high: 3 }],
    ]);
    expect(ucdp({ deaths_a: '0', best: '0', low: '0', high: '0' })).toMatchObject({
      kind: 'skipped',
    });
  });

  it('maps one-sided violence against civilians to the civilians of the country', () => {
    const reports = reportsOf(
      ucdp({
        side_b: 'Civilians',
        deaths_a: '0',
        deaths_civilians: '4',
        best: '4',
        low: '4',
        high: '6',
      }),
    );
    expect(reports.map((report) => report.details)).toEqual([
      {
        party: 'UA',
        category: 'killed',
        civilian: true,
        count: { best: 4, low: 4, high: 6 },
        cumulative: false,
      },
    ]);
  });

  it('takes the theatre from the mapping, then the conflict name', () => {
    const mapper = new UcdpGedMapper({
      ...options,
      theatres: TheatreMapping.fromText('{"13680": "russia-ukraine"}', 'json'),
    });
    const mapped = (values: Record<string, string>) =>
      reportsOf(mapper.map({ line: 1, fields: ucdpFields(values) }))[0].theatre;
    expect(
      mapped({ conflict_new_id: '13680', conflict_name: 'Government of Russia - Civilians' }),
    ).toBe('russia-ukraine');
    expect(mapped({ conflict_new_id: '1', conflict_name: 'Ethiopia: Tigray' })).toBe(
      'ethiopia-tigray',
    );
    expect(mapped({ conflict_new_id: '7', conflict_name: 'ሕወሓት' })).toBe('ucdp-conflict-7');
  });

  it('reads a header in any order and refuses a header without the columns it needs', () => {
    const mapper = new UcdpGedMapper(options);
    const header = [...UCDP_GED_COLUMNS].reverse();
    expect(mapper.map({ line: 1, fields: header })).toEqual({ kind: 'header' });
    const fields = ucdpFields({ id: '77' }).reverse();
    expect(reportsOf(mapper.map({ line: 2, fields }))[0].reportId).toBe('ucdp-ged:77:a');
    expect(() =>
      new UcdpGedMapper(options).map({ line: 1, fields: ['id', 'relid', 'deaths_a'] }),
    ).toThrow(/lacks the columns/);
    expect(new UcdpGedMapper(options).map({ line: 1, fields: ['42', 'x'] })).toMatchObject({
      kind: 'invalid',
      reason: '2 fields where the layout without a header has 49',
    });
  });

  it('maps both fixture layouts to the same reports', async () => {
    const mapAll = async (file: string) => {
      const mapper = new UcdpGedMapper(options);
      const results = [];
      for (const row of await rowsOf(readFileSync(join(FIXTURES, file), 'utf8'))) {
        const result = mapper.map(row);
        if (result.kind !== 'header') results.push(result);
      }
      return results;
    };
    const withHeader = await mapAll('ucdp-ged-25.1.csv');
    expect(withHeader).toHaveLength(8);
    expect(await mapAll('ucdp-ged-25.1-no-header.csv')).toEqual(withHeader);
  });

  it('names governments by ISO code and other actors by slug', () => {
    expect(ucdpActor('Government of Russia (Soviet Union)', '57')).toBe('RU');
    expect(ucdpActor('Government of DR Congo (Zaire)', '1')).toBe('CD');
    expect(ucdpActor('Government of Syria', '1')).toBe('SY');
    expect(ucdpActor('Government of Myanmar (Burma)', '1')).toBe('MM');
    expect(ucdpActor('IS', '234')).toBe('is');
    expect(ucdpActor('Wagner Group', '1')).toBe('wagner-group');
    expect(ucdpActor('ሕወሓት', '99')).toBe('ucdp-actor-99');
  });
});

describe('ACLED rows', () => {
  it('maps fatalities to one killed increment of unknown side, or civilians when targeted', () => {
    expect(reportsOf(acled({}))[0]).toMatchObject({
      reportId: 'acled:UKR1',
      theatre: 'ukraine',
      occurredAt: '2024-03-01T00:00:00.000Z',
      reportedAt: '2024-03-07T00:00:00.000Z',
      occurredPrecision: 'day',
      location: { name: 'Avdiivka', country: 'UA', precision: 'exact' },
      details: {
        party: 'unknown',
        category: 'killed',
        civilian: false,
        count: { best: 4 },
        cumulative: false,
      },
    });
    expect(reportsOf(acled({ civilian_targeting: 'Civilian targeting' }))[0].details).toMatchObject(
      {
        party: 'UA',
        civilian: true,
      },
    );
  });

  it.each([
    ['1', 'day'],
    ['2', 'week'],
    ['3', 'month'],
  ])('time_precision %s is %s', (code, precision) => {
    expect(reportsOf(acled({ time_precision: code }))[0].occurredPrecision).toBe(precision);
  });

  it.each([
    ['1', 'exact'],
    ['2', 'near'],
    ['3', 'region'],
  ])('geo_precision %s is %s', (code, precision) => {
    expect(reportsOf(acled({ geo_precision: code }))[0].location).toMatchObject({ precision });
  });

  it('reads "03 March 2024" dates, and leaves out a location without coordinates', () => {
    const [report] = reportsOf(acled({ event_date: '03 March 2024', latitude: '', longitude: '' }));
    expect(report.occurredAt).toBe('2024-03-03T00:00:00.000Z');
    expect(report.location).toBeUndefined();
  });

  it('skips rows without fatalities with the reason, near misses named', () => {
    expect(
      acled({ fatalities: '0', event_type: 'Protests', sub_event_type: 'Peaceful protest' }),
    ).toEqual({
      kind: 'skipped',
      sourceId: 'UKR1',
      reason: 'no fatalities (Protests: Peaceful protest): no report type for it',
    });
    expect(
      acled({ fatalities: '0', sub_event_type: 'Headquarters or base established' }),
    ).toMatchObject({
      reason: expect.stringContaining('a deployment needs personnel or equipment counts'),
    });
    expect(acled({ fatalities: '0', sub_event_type: 'Agreement' })).toMatchObject({
      reason: expect.stringContaining('a sanction demand needs the sanctions'),
    });
  });

  it('refuses unreadable fatalities and dates', () => {
    expect(acled({ fatalities: 'many' })).toMatchObject({
      kind: 'invalid',
      reason: 'fatalities "many" is not a whole number',
    });
    expect(acled({ event_date: 'yesterday' })).toMatchObject({ kind: 'invalid' });
  });

  it('maps both fixture layouts to the same reports', async () => {
    const mapAll = async (file: string) => {
      const mapper = new AcledMapper(options);
      const results = [];
      for (const row of await rowsOf(readFileSync(join(FIXTURES, file), 'utf8'))) {
        const result = mapper.map(row);
        if (result.kind !== 'header') results.push(result);
      }
      return results;
    };
    const withHeader = await mapAll('acled-2024-03-08.csv');
    expect(withHeader.map((result) => result.kind)).toEqual([
      'reports',
      'reports',
      'skipped',
      'skipped',
      'skipped',
      'reports',
      'reports',
      'invalid',
    ]);
    expect(await mapAll('acled-2024-03-08-no-header.csv')).toEqual(withHeader);
  });
});

describe('helpers', () => {
  it('apportions a total exactly, each share within its weight on the right side', () => {
    expect(apportion(8, [3, 5, 2, 0])).toEqual([2, 4, 2, 0]);
    expect(apportion(14, [3, 5, 2, 0])).toEqual([4, 7, 3, 0]);
    expect(apportion(5, [0, 0, 0, 0])).toEqual([0, 0, 0, 0]);
    for (let low = 0; low <= 10; low++) {
      const shares = apportion(low, [3, 5, 2]);
      expect(shares.reduce((a, b) => a + b, 0)).toBe(low);
      shares.forEach((share, i) => expect(share).toBeLessThanOrEqual([3, 5, 2][i]));
    }
  });

  it('maps country names and ISO numeric codes', () => {
    expect(countryCodeOfName('Russia (Soviet Union)')).toBe('RU');
    expect(countryCodeOfName('Bosnia-Herzegovina')).toBe('BA');
    expect(countryCodeOfName('Kingdom of eSwatini (Swaziland)')).toBe('SZ');
    expect(countryCodeOfName('Atlantis')).toBeUndefined();
    expect(countryCodeOfNumeric('804')).toBe('UA');
    expect(countryCodeOfNumeric('4')).toBe('AF');
    expect(countryCodeOfNumeric('x')).toBeUndefined();
  });

  it('reads theatre mappings as JSON or key,theatre CSV, keys without regard to case', () => {
    const csv = TheatreMapping.fromText(
      'key,theatre\nUkraine,russia-ukraine\n643,russia-ukraine\n',
      'csv',
    );
    expect(csv.lookup('UKRAINE')).toBe('russia-ukraine');
    expect(csv.lookup('Syria', '643')).toBe('russia-ukraine');
    expect(csv.lookup('Syria')).toBeUndefined();
    expect(() => TheatreMapping.fromText('{"Ukraine": "Not A Slug"}', 'json')).toThrow(
      /not a slug/,
    );
    expect(() => TheatreMapping.fromText('a,b,c\n', 'csv')).toThrow(/two fields/);
  });

  it('makes slugs', () => {
    expect(slugOf('Russia (Soviet Union) - Ukraine')).toBe('russia-ukraine');
    expect(slugOf('Côte d’Ivoire')).toBe('cote-d-ivoire');
    expect(slugOf('(ADF)')).toBe('adf');
    expect(slugOf('x')).toBeUndefined();
  });

  it('describes what a correction changes, old and new', () => {
    expect(
      differences(
        {
          occurredAt: '2024-03-01T00:00:00.000Z',
          details: { party: 'unknown', count: { best: 120 } },
        },
        {
          reportId: 'acled:1',
          theatre: 't',
          occurredAt: '2024-03-02T00:00:00.000Z',
          details: { party: 'unknown', count: { best: 150 } },
        },
      ),
    ).toEqual([
      'occurredAt 2024-03-01T00:00:00.000Z -> 2024-03-02T00:00:00.000Z',
      'details.count.best 120 -> 150',
    ]);
  });
});
