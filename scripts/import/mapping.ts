import type { LocationPrecision, OccurredPrecision } from '@cm/contracts';
import type { CsvRow } from './csv-rows';
import type { TheatreMapping } from './theatre-mapping';

/** What one CSV row became. */
export type RowResult =
  /** The file's header row: nothing to file. */
  | { kind: 'header' }
  /** Reports to file (one per side with deaths for UCDP, one per event for ACLED). */
  | { kind: 'reports'; sourceId: string; reports: MappedReport[] }
  /** A row the contract has no report for (e.g. an ACLED protest): counted, not an error. */
  | { kind: 'skipped'; sourceId?: string; reason: string }
  /** A row that cannot be read or mapped: an error, with its reason. */
  | { kind: 'invalid'; sourceId?: string; reason: string };

/** A report body as POST /v1/reports takes it (validated by the contract's validateReport). */
export type MappedReport = Record<string, unknown> & { reportId: string; theatre: string };

export interface MapperOptions {
  /** The source's name: the release, e.g. "UCDP GED 25.1". */
  release: string;
  /** Theatre slugs chosen by the user, by the format's keys (conflict id or name, country). */
  theatres: TheatreMapping;
  /** One theatre for every row, above any mapping. */
  theatre?: string;
}

/** Turns rows of one CSV layout into reports; it keeps the header's column order. */
export interface RowMapper {
  readonly format: ImportFormat;
  map(row: CsvRow): RowResult;
}

export type ImportFormat = 'ucdp-ged' | 'acled';

/**
 * Column positions: from the header when the file has one (any order, extra columns
 * ignored), else the layout's documented order.
 */
export class Columns {
  private index = new Map<string, number>();
  private headerSeen = false;
  private first = true;

  constructor(
    private readonly layout: readonly string[],
    /** Columns whose presence in the first row marks it as a header. */
    private readonly headerMarkers: readonly string[],
    private readonly required: readonly string[],
  ) {
    layout.forEach((name, position) => this.index.set(name, position));
  }

  /**
   * For the first row: 'header' when it is the header (the positions taken from it), an
   * error sentence when it is a header that lacks required columns; else undefined.
   */
  takeHeader(fields: string[]): string | undefined {
    if (!this.first) return undefined;
    this.first = false;
    const names = fields.map((field) => field.trim().toLowerCase());
    if (!this.headerMarkers.every((marker) => names.includes(marker))) return undefined;
    this.headerSeen = true;
    this.index = new Map();
    names.forEach((name, position) => {
      if (!this.index.has(name)) this.index.set(name, position);
    });
    const missing = this.required.filter((name) => !this.index.has(name));
    return missing.length > 0
      ? `the header lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`
      : 'header';
  }

  /** Undefined when the row fits, else the reason it does not. */
  misfit(fields: string[]): string | undefined {
    if (this.headerSeen) {
      return fields.length < this.index.size
        ? `${fields.length} fields where the header has ${this.index.size}`
        : undefined;
    }
    return fields.length === this.layout.length
      ? undefined
      : `${fields.length} fields where the layout without a header has ${this.layout.length}`;
  }

  reader(fields: string[]): (name: string) => string {
    return (name) => {
      const position = this.index.get(name);
      return position === undefined ? '' : (fields[position] ?? '').trim();
    };
  }
}

/** A reason a row cannot be mapped; thrown inside a mapper and turned into 'invalid'. */
export class RowError extends Error {}

const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?$/;
const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const DAY_MONTH_YEAR = /^(\d{1,2})[ -]([A-Za-z]+)[ -](\d{4})$/;

/**
 * A calendar date at midnight UTC: `2024-05-03`, `2024-05-03 00:00:00.000` (UCDP) or
 * `03 May 2024` (older ACLED exports). The sources give days, not instants.
 */
export function parseDay(text: string, column: string): Date {
  let year: number;
  let month: number;
  let day: number;
  const iso = DATE.exec(text);
  const dmy = iso ? null : DAY_MONTH_YEAR.exec(text);
  if (iso) {
    [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  } else if (dmy) {
    const monthIndex = MONTHS.findIndex(
      (name) => name === dmy[2].toLowerCase() || name.slice(0, 3) === dmy[2].toLowerCase(),
    );
    if (monthIndex < 0) throw new RowError(`${column} "${text}" is not a date`);
    [year, month, day] = [Number(dmy[3]), monthIndex + 1, Number(dmy[1])];
  } else {
    throw new RowError(
      text === '' ? `${column} is empty` : `${column} "${text}" is not a date (YYYY-MM-DD)`,
    );
  }
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1) {
    throw new RowError(`${column} "${text}" is not a calendar date`);
  }
  return date;
}

/** A whole number >= 0, or the row is refused. */
export function parseCount(text: string, column: string): number {
  if (!/^\d+$/.test(text)) {
    throw new RowError(
      text === '' ? `${column} is empty` : `${column} "${text}" is not a whole number`,
    );
  }
  return Number(text);
}

/** Latitude and longitude when both are given, else undefined (the report has no location). */
export function parseCoordinates(
  latText: string,
  lonText: string,
): { lat: number; lon: number } | undefined {
  if (latText === '' && lonText === '') return undefined;
  const lat = Number(latText);
  const lon = Number(lonText);
  if (latText === '' || lonText === '' || !Number.isFinite(lat) || !Number.isFinite(lon)) {
    throw new RowError(`latitude "${latText}" and longitude "${lonText}" are not a position`);
  }
  if (lat < -90 || lat > 90 || lon < -180 || lon > 180) {
    throw new RowError(`latitude ${lat}, longitude ${lon} are out of range`);
  }
  return { lat, lon };
}

/** A code of a closed list, or the row is refused with the codes allowed. */
export function parseCode<T>(text: string, column: string, codes: Record<string, T>): T {
  const value = codes[text];
  if (value === undefined) {
    throw new RowError(`${column} "${text}" is not one of ${Object.keys(codes).join(', ')}`);
  }
  return value;
}

export type PrecisionCodes<T> = Record<string, T>;
export type { LocationPrecision, OccurredPrecision };

/** Free text cut to the contract's bound (names of 200 characters). */
export function bounded(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The value of a result-returning mapper body: a RowError becomes an 'invalid' row. */
export function guarded(sourceId: string | undefined, body: () => RowResult): RowResult {
  try {
    return body();
  } catch (error) {
    if (error instanceof RowError) return { kind: 'invalid', sourceId, reason: error.message };
    throw error;
  }
}

/** The first row is a header without the columns the mapping needs: the file is refused. */
export class HeaderError extends Error {}
