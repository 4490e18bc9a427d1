import type { ReportDetails, ReportType } from '@cm/contracts';
import type { ReportRow } from '../projections';
import { arrayLiteral } from './array-literal';

/** A column of a report table: its SQL array type for unnest, and its value in a row. */
interface ReportColumn {
  name: string;
  type:
    | 'text'
    | 'integer'
    | 'bigint'
    | 'smallint'
    | 'boolean'
    | 'float8'
    | 'timestamptz'
    | 'json'
    | 'jsonb';
  value(row: ReportRow): unknown;
}

export interface ReportTable {
  name: string;
  columns: ReportColumn[];
}

/** JSON values go into the row tuple as they are (undefined: SQL NULL). */
const json = (value: unknown): unknown => value ?? null;

function commonColumns(): ReportColumn[] {
  return [
    { name: 'report_id', type: 'text', value: (row) => row.report.reportId },
    { name: 'theatre', type: 'text', value: (row) => row.report.theatre },
    { name: 'version', type: 'integer', value: (row) => row.version },
    { name: 'position', type: 'bigint', value: (row) => row.position },
    { name: 'occurred_at', type: 'timestamptz', value: (row) => row.report.occurredAt },
    { name: 'reported_at', type: 'timestamptz', value: (row) => row.report.reportedAt },
    // The search's filters and the GeoJSON export's (migration 1764413000000).
    { name: 'source_name', type: 'text', value: (row) => row.report.source.name },
    { name: 'latitude', type: 'float8', value: (row) => row.report.location?.lat ?? null },
    { name: 'longitude', type: 'float8', value: (row) => row.report.location?.lon ?? null },
  ];
}

/** Reads a row's report as its type, for the columns of that type's table. */
function details<T extends ReportType>(row: ReportRow, _type: T): ReportDetails<T> {
  return row.report.details as ReportDetails<T>;
}

/** `json`, not `jsonb`: stored and served whole, never queried inside, and half the parsing. */
const reportColumn: ReportColumn = {
  name: 'report',
  type: 'json',
  value: (row) => json(row.report),
};

/** The one-row-per-report table of each report type (migration 1764100000000). */
export const REPORT_TABLES: Record<ReportType, ReportTable> = {
  deployment: {
    name: 'rm_deployments',
    columns: [
      ...commonColumns(),
      { name: 'actor', type: 'text', value: (row) => details(row, 'deployment').actor },
      {
        name: 'supporting',
        type: 'text',
        value: (row) => details(row, 'deployment').supporting ?? null,
      },
      { name: 'movement', type: 'text', value: (row) => details(row, 'deployment').movement },
      {
        name: 'personnel_low',
        type: 'integer',
        value: (row) => details(row, 'deployment').personnel?.low ?? null,
      },
      {
        name: 'personnel_best',
        type: 'integer',
        value: (row) => details(row, 'deployment').personnel?.best ?? null,
      },
      {
        name: 'personnel_high',
        type: 'integer',
        value: (row) => details(row, 'deployment').personnel?.high ?? null,
      },
      {
        name: 'equipment',
        type: 'jsonb',
        value: (row) => json(details(row, 'deployment').equipment),
      },
      reportColumn,
    ],
  },
  casualty: {
    name: 'rm_casualties',
    columns: [
      ...commonColumns(),
      { name: 'party', type: 'text', value: (row) => details(row, 'casualty').party },
      { name: 'category', type: 'text', value: (row) => details(row, 'casualty').category },
      { name: 'civilian', type: 'boolean', value: (row) => details(row, 'casualty').civilian },
      { name: 'cumulative', type: 'boolean', value: (row) => details(row, 'casualty').cumulative },
      {
        name: 'count_low',
        type: 'integer',
        value: (row) => details(row, 'casualty').count.low ?? null,
      },
      { name: 'count_best', type: 'integer', value: (row) => details(row, 'casualty').count.best },
      {
        name: 'count_high',
        type: 'integer',
        value: (row) => details(row, 'casualty').count.high ?? null,
      },
      { name: 'source_reliability', type: 'text', value: (row) => row.report.source.reliability },
      {
        name: 'source_credibility',
        type: 'smallint',
        value: (row) => row.report.source.credibility,
      },
      reportColumn,
    ],
  },
  ceasefire_violation: {
    name: 'rm_ceasefire_violations',
    columns: [
      ...commonColumns(),
      {
        name: 'ceasefire',
        type: 'text',
        value: (row) => details(row, 'ceasefire_violation').ceasefire,
      },
      {
        name: 'accused_party',
        type: 'text',
        value: (row) => details(row, 'ceasefire_violation').accusedParty,
      },
      {
        name: 'accusing_party',
        type: 'text',
        value: (row) => details(row, 'ceasefire_violation').accusingParty,
      },
      { name: 'means', type: 'text', value: (row) => details(row, 'ceasefire_violation').means },
      {
        name: 'target',
        type: 'text',
        value: (row) => details(row, 'ceasefire_violation').target ?? null,
      },
      reportColumn,
    ],
  },
  sanction_demand: {
    name: 'rm_sanction_demands',
    columns: [
      ...commonColumns(),
      {
        name: 'demanding_party',
        type: 'text',
        value: (row) => details(row, 'sanction_demand').demandingParty,
      },
      { name: 'demand', type: 'text', value: (row) => details(row, 'sanction_demand').demand },
      {
        name: 'sanctions',
        type: 'jsonb',
        value: (row) => json(details(row, 'sanction_demand').sanctions),
      },
      {
        name: 'condition',
        type: 'jsonb',
        value: (row) => json(details(row, 'sanction_demand').condition),
      },
      reportColumn,
    ],
  },
};

/** Every read-model table, for a rebuild to empty and tests to compare. */
export const READ_MODEL_TABLES = [
  'rm_theatres',
  'rm_deployments',
  'rm_personnel',
  'rm_equipment',
  'rm_casualties',
  'rm_casualty_increments',
  'rm_casualty_source_totals',
  'rm_ceasefire_violations',
  'rm_sanction_demands',
  'rm_sanction_demand_parties',
] as const;

const isJson = (column: ReportColumn) => column.type === 'json' || column.type === 'jsonb';

/**
 * One statement for all rows of a batch: scalar columns as array parameters (`unnest`),
 * JSON columns as one JSON array each (`json_array_elements`), zipped row by row by
 * `ROWS FROM`. Sending whole rows as one jsonb document instead made PostgreSQL parse every
 * report twice, and node-pg's own array encoding of long strings is slow.
 */
export function insertReportRowsSql(
  table: ReportTable,
  rows: ReportRow[],
  upsert: boolean,
  param: (value: string, type: string) => string,
): string {
  const names = table.columns.map((column) => column.name);
  const sources = table.columns.map((column) => {
    const values = rows.map((row) => column.value(row));
    return isJson(column)
      ? `json_array_elements(${param(JSON.stringify(values), 'json')})`
      : `unnest(${param(arrayLiteral(values as Scalar[]), `${column.type}[]`)})`;
  });
  const values = table.columns.map((column, index) => {
    if (!isJson(column)) return `c${index}`;
    const value = `CASE WHEN json_typeof(c${index}) = 'null' THEN NULL ELSE c${index} END`;
    return column.type === 'jsonb' ? `(${value})::jsonb` : value;
  });
  const updates = names
    .filter((name) => name !== 'report_id')
    .map((name) => `${name} = excluded.${name}`);
  const insert = `INSERT INTO ${table.name} (${names.join(', ')})
SELECT ${values.join(', ')}
FROM ROWS FROM (${sources.join(', ')}) AS r(${names.map((_, index) => `c${index}`).join(', ')})`;
  return upsert ? `${insert}\nON CONFLICT (report_id) DO UPDATE SET ${updates.join(', ')}` : insert;
}

type Scalar = string | number | boolean | null;
