import type { ReportType } from '@cm/contracts';

/**
 * The CSV export's columns (README.md, "Exports"): the envelope, the location, the details of
 * the list's report type flattened to dotted paths (every type's, in this order, for the
 * search across types), and the version. A list inside details (equipment, sanctions) is one
 * cell of JSON: a list has no fixed number of columns.
 */
const COMMON_COLUMNS = [
  'reportId',
  'type',
  'theatre',
  'occurredAt',
  'occurredPrecision',
  'reportedAt',
  'source.name',
  'source.kind',
  'source.reliability',
  'source.credibility',
  'source.url',
  'location.name',
  'location.country',
  'location.lat',
  'location.lon',
  'location.precision',
];

export const DETAIL_COLUMNS: Record<ReportType, string[]> = {
  deployment: [
    'details.actor',
    'details.supporting',
    'details.movement',
    'details.personnel.low',
    'details.personnel.best',
    'details.personnel.high',
    'details.equipment',
  ],
  casualty: [
    'details.party',
    'details.category',
    'details.civilian',
    'details.cumulative',
    'details.count.low',
    'details.count.best',
    'details.count.high',
  ],
  ceasefire_violation: [
    'details.ceasefire',
    'details.accusedParty',
    'details.accusingParty',
    'details.means',
    'details.target',
    'details.description',
  ],
  sanction_demand: [
    'details.demandingParty',
    'details.demand',
    'details.sanctions',
    'details.condition.kind',
    'details.condition.ceasefire',
  ],
};

/** The columns of an export of these report types, in order. */
export function csvColumns(types: readonly ReportType[]): string[] {
  return [...COMMON_COLUMNS, ...types.flatMap((type) => DETAIL_COLUMNS[type]), 'version'];
}

/**
 * UTF-8 byte order mark: without it Excel reads a CSV in the machine's legacy code page and
 * garbles every non-ASCII place name. Parsers drop it when told (csv-parse `bom: true`,
 * pandas `encoding="utf-8-sig"`, Python's `utf-8-sig`).
 */
export const CSV_BOM = '\uFEFF';

/** Text that a spreadsheet would take for a formula (OWASP's list of leading characters). */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One cell. Text is guarded against formula injection as OWASP advises: a cell starting with
 * = + - @ tab or CR gets a leading single quote, which spreadsheets show as text. Numbers and
 * booleans come from the report's numbers, never from text, and are written as they are (a
 * negative longitude stays a number). RFC 4180 quoting: a cell holding a quote, comma, CR or
 * LF is quoted, its quotes doubled.
 */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text: string;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') {
    text = FORMULA_START.test(value) ? `'${value}` : value;
  } else {
    // Lists and objects: their JSON, which starts with [ or {.
    text = JSON.stringify(value);
  }
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A record (header or row) with its CRLF. */
export function csvRecord(cells: readonly string[]): string {
  return `${cells.join(',')}\r\n`;
}

export function csvHeader(columns: readonly string[]): string {
  return csvRecord(columns.map(csvCell));
}

type Getter = (report: Record<string, unknown>) => unknown;

/** A getter per dotted path, made once per column: the export calls them a million times. */
function getterOf(column: string): Getter {
  const [a, b, c] = column.split('.');
  const child = (value: unknown, key: string): unknown =>
    value !== null && typeof value === 'object'
      ? (value as Record<string, unknown>)[key]
      : undefined;
  if (b === undefined) return (report) => report[a];
  if (c === undefined) return (report) => child(report[a], b);
  return (report) => child(child(report[a], b), c);
}

/** Formats reports as rows of these columns. */
export function csvRowFormatter(
  columns: readonly string[],
): (report: Record<string, unknown>) => string {
  const getters = columns.map(getterOf);
  return (report) => {
    let row = '';
    for (let i = 0; i < getters.length; i++) {
      if (i > 0) row += ',';
      row += csvCell(getters[i](report));
    }
    return `${row}\r\n`;
  };
}

/** A report (with its version) as a row of these columns. */
export function csvRow(report: Record<string, unknown>, columns: readonly string[]): string {
  return csvRowFormatter(columns)(report);
}
