import type { ReportType } from '@cm/contracts';

/** A report table and the report type it holds. */
export interface ReportTableRef {
  table: string;
  type: ReportType;
}

export const REPORT_TABLE_OF_TYPE: Record<ReportType, ReportTableRef> = {
  deployment: { table: 'rm_deployments', type: 'deployment' },
  casualty: { table: 'rm_casualties', type: 'casualty' },
  ceasefire_violation: { table: 'rm_ceasefire_violations', type: 'ceasefire_violation' },
  sanction_demand: { table: 'rm_sanction_demands', type: 'sanction_demand' },
};

/** [minLon, minLat, maxLon, maxLat], WGS 84 degrees, bounds included. */
export type Bbox = readonly [number, number, number, number];

/** What a list or the search asks for; every filter is optional but the tables. */
export interface ReportFilter {
  tables: readonly ReportTableRef[];
  theatre?: string;
  from?: Date;
  to?: Date;
  /** A party filter: rows where any of the columns equals the value. */
  party?: { columns: readonly string[]; value: string };
  source?: string;
  bbox?: Bbox;
}

export interface SqlQuery {
  text: string;
  values: unknown[];
}

/** The row columns the lists, the search and the exports read. */
export type ReportSelect = 'report' | 'geojson';

const ORDER = 'ORDER BY occurred_at DESC, report_id DESC';

const SELECT_COLUMNS: Record<ReportSelect, string> = {
  report: 'report, version, occurred_at, report_id',
  // The GeoJSON export copies the stored JSON text into each feature instead of parsing and
  // writing it again: most of the export's time otherwise.
  geojson: 'report::text AS report_text, version, occurred_at, report_id, latitude, longitude',
};

class Parameters {
  readonly values: unknown[] = [];

  add(value: unknown, cast = ''): string {
    this.values.push(value);
    return `$${this.values.length}${cast}`;
  }
}

/** The conditions of a filter, on one table (the columns are the same in every table). */
function conditionsOf(filter: ReportFilter, params: Parameters): string[] {
  const conditions: string[] = [];
  if (filter.theatre !== undefined) conditions.push(`theatre = ${params.add(filter.theatre)}`);
  if (filter.from) conditions.push(`occurred_at >= ${params.add(filter.from)}`);
  if (filter.to) conditions.push(`occurred_at < ${params.add(filter.to)}`);
  if (filter.party) {
    const party = params.add(filter.party.value);
    const matches = filter.party.columns.map((column) => `${column} = ${party}`);
    conditions.push(matches.length === 1 ? matches[0] : `(${matches.join(' OR ')})`);
  }
  if (filter.source !== undefined) conditions.push(`source_name = ${params.add(filter.source)}`);
  if (filter.bbox) {
    const [minLon, minLat, maxLon, maxLat] = filter.bbox.map((value) =>
      params.add(value, '::float8'),
    );
    conditions.push(
      `longitude BETWEEN ${minLon} AND ${maxLon} AND latitude BETWEEN ${minLat} AND ${maxLat}`,
    );
  }
  return conditions;
}

const where = (conditions: string[]) =>
  conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;

/**
 * A page of the search: newest first by (occurredAt, reportId), after the cursor's key. Each
 * table gives at most `limit` rows in that order from its (occurred_at, report_id) index, or
 * (theatre, occurred_at, report_id) with a theatre, and the union keeps the first `limit`.
 */
export function reportPageQuery(
  filter: ReportFilter,
  limit: number,
  after: { o: string; r: string } | undefined,
): SqlQuery {
  const params = new Parameters();
  const conditions = conditionsOf(filter, params);
  if (after) {
    conditions.push(
      `(occurred_at, report_id) < (${params.add(after.o)}::timestamptz, ${params.add(after.r)})`,
    );
  }
  const cap = params.add(limit);
  const branches = filter.tables.map(
    ({ table }) =>
      `(SELECT ${SELECT_COLUMNS.report} FROM ${table} ${where(conditions)} ${ORDER} LIMIT ${cap})`,
  );
  const text =
    branches.length === 1
      ? branches[0]
      : `SELECT * FROM (${branches.join(' UNION ALL ')}) r ${ORDER} LIMIT ${cap}`;
  return { text, values: params.values };
}

/**
 * The whole filtered list in the lists' order, for an export's cursor; `located` keeps only
 * reports with a location. Several tables are merged in order (a Merge Append of their
 * index scans), so the export needs no sort of everything first.
 */
export function reportStreamQuery(
  filter: ReportFilter,
  select: ReportSelect,
  located = false,
): SqlQuery {
  const params = new Parameters();
  const conditions = conditionsOf(filter, params);
  if (located) conditions.push('latitude IS NOT NULL');
  const branches = filter.tables.map(
    ({ table }) => `SELECT ${SELECT_COLUMNS[select]} FROM ${table} ${where(conditions)}`,
  );
  return { text: `${branches.join(' UNION ALL ')} ${ORDER}`, values: params.values };
}

/** How many of the filtered reports have no location (left out of a GeoJSON export). */
export function unlocatedCountQuery(filter: ReportFilter): SqlQuery {
  const params = new Parameters();
  const conditions = [...conditionsOf(filter, params), 'latitude IS NULL'];
  const counts = filter.tables.map(
    ({ table }) => `(SELECT count(*) FROM ${table} ${where(conditions)})`,
  );
  return { text: `SELECT (${counts.join(' + ')})::bigint AS unlocated`, values: params.values };
}
