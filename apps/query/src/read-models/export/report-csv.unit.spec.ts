import { parse } from 'csv-parse/sync';
import { csvCell, csvColumns, csvRow } from './report-csv';

describe('CSV cells', () => {
  it('quotes commas, quotes and line breaks as RFC 4180 says', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a, b')).toBe('"a, b"');
    expect(csvCell('say "no"')).toBe('"say ""no"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\rlf')).toBe('"cr\rlf"');
  });

  it('guards text that a spreadsheet would run as a formula, not numbers', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    for (const start of ['+', '-', '@', '\t', '\r']) {
      expect(csvCell(`${start}1`).replace(/^"/, '')).toMatch(/^'/);
    }
    expect(csvCell(-33.5)).toBe('-33.5');
    expect(csvCell(false)).toBe('false');
    expect(csvCell(undefined)).toBe('');
  });

  it('flattens a report into its type’s columns, lists as JSON', () => {
    const columns = csvColumns(['sanction_demand']);
    const row = csvRow(
      {
        reportId: 'r-1',
        type: 'sanction_demand',
        location: { lat: 50.1, lon: -3 },
        details: {
          demandingParty: 'EU',
          sanctions: [{ imposedBy: 'EU', target: 'x', measure: 'y' }],
          condition: { kind: 'until_compliance', ceasefire: 'c' },
        },
        version: 2,
      },
      columns,
    );
    const [parsed] = parse(row) as string[][];
    const cells = new Map(columns.map((column, i) => [column, parsed[i]]));
    expect(row.endsWith('\r\n')).toBe(true);
    expect(cells.get('location.lon')).toBe('-3');
    expect(cells.get('details.condition.kind')).toBe('until_compliance');
    expect(cells.get('version')).toBe('2');
    expect(JSON.parse(cells.get('details.sanctions')!)).toEqual([
      { imposedBy: 'EU', target: 'x', measure: 'y' },
    ]);
  });
});
