import { REPORT_TYPES, type ReportType } from '@cm/contracts';
import {
  changedReportOf,
  isAggregateEntryEmpty,
  projectEvents,
  type AggregateEntry,
  type AggregateKind,
  type CasualtySourceKey,
  type ProjectedEvent,
  type ReadModelChanges,
  type ReportRow,
} from '../projections';
import { arrayLiteral } from './array-literal';
import type { Queryable } from './queryable';
import { insertReportRowsSql, REPORT_TABLES, rowParameters } from './report-tables';

interface AggregateTable {
  table: string;
  keys: { name: string; type: string }[];
  values: { name: string; type: string }[];
  /** Rows whose count is back at zero are deleted; theatre rows stay. */
  countColumn?: string;
}

const SUMS = [
  { name: 'reports', type: 'integer' },
  { name: 'low', type: 'bigint' },
  { name: 'best', type: 'bigint' },
  { name: 'high', type: 'bigint' },
];

const AGGREGATE_TABLES: Record<AggregateKind, AggregateTable> = {
  theatreReports: {
    table: 'rm_theatres',
    keys: [{ name: 'theatre', type: 'text' }],
    values: ['deployments', 'casualties', 'ceasefire_violations', 'sanction_demands'].map(
      (name) => ({ name, type: 'integer' }),
    ),
  },
  personnel: {
    table: 'rm_personnel',
    keys: ['theatre', 'role', 'party'].map((name) => ({ name, type: 'text' })),
    values: SUMS,
    countColumn: 'reports',
  },
  equipment: {
    table: 'rm_equipment',
    keys: ['theatre', 'actor', 'category'].map((name) => ({ name, type: 'text' })),
    values: SUMS,
    countColumn: 'reports',
  },
  casualtyIncrements: {
    table: 'rm_casualty_increments',
    keys: [
      ...['theatre', 'party', 'category'].map((name) => ({ name, type: 'text' })),
      { name: 'civilian', type: 'boolean' },
    ],
    values: SUMS,
    countColumn: 'reports',
  },
  sanctionDemandParties: {
    table: 'rm_sanction_demand_parties',
    keys: ['theatre', 'demanding_party'].map((name) => ({ name, type: 'text' })),
    values: [{ name: 'reports', type: 'integer' }],
    countColumn: 'reports',
  },
};

function addDeltasSql({ table, keys, values }: AggregateTable): string {
  const columns = [...keys, ...values];
  const arrays = columns.map((column, index) => `$${index + 1}::${column.type}[]`);
  return `INSERT INTO ${table} (${columns.map((column) => column.name).join(', ')})
SELECT * FROM unnest(${arrays.join(', ')})
ON CONFLICT (${keys.map((key) => key.name).join(', ')}) DO UPDATE SET ${values
    .map(({ name }) => `${name} = ${table}.${name} + excluded.${name}`)
    .join(', ')}`;
}

const SOURCE_KEYS = `unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::text[])
  AS k(theatre, party, category, civilian, source_name)`;
const SOURCE_MATCH = `c.theatre = k.theatre AND c.party = k.party AND c.category = k.category
  AND c.civilian = k.civilian AND c.source_name = k.source_name AND c.cumulative`;

/** Each touched source's latest cumulative total: one index probe per source. */
const UPSERT_SOURCE_TOTALS = `
INSERT INTO rm_casualty_source_totals
  (theatre, party, category, civilian, source_name, report_id, occurred_at, reliability,
   credibility, low, best, high)
SELECT k.theatre, k.party, k.category, k.civilian, k.source_name, c.report_id, c.occurred_at,
  c.source_reliability, c.source_credibility, coalesce(c.count_low, c.count_best), c.count_best,
  coalesce(c.count_high, c.count_best)
FROM ${SOURCE_KEYS}
CROSS JOIN LATERAL (
  SELECT * FROM rm_casualties c WHERE ${SOURCE_MATCH}
  ORDER BY c.occurred_at DESC, c.report_id DESC LIMIT 1
) c
ON CONFLICT (theatre, party, category, civilian, source_name) DO UPDATE SET
  report_id = excluded.report_id, occurred_at = excluded.occurred_at,
  reliability = excluded.reliability, credibility = excluded.credibility,
  low = excluded.low, best = excluded.best, high = excluded.high`;

const DELETE_GONE_SOURCE_TOTALS = `
DELETE FROM rm_casualty_source_totals t USING ${SOURCE_KEYS}
WHERE t.theatre = k.theatre AND t.party = k.party AND t.category = k.category
  AND t.civilian = k.civilian AND t.source_name = k.source_name
  AND NOT EXISTS (SELECT 1 FROM rm_casualties c WHERE ${SOURCE_MATCH})`;

const occurredBound = (fn: 'min' | 'max') =>
  Object.values(REPORT_TABLES)
    .map(({ name }) => `(SELECT ${fn}(occurred_at) FROM ${name} r WHERE r.theatre = s.theatre)`)
    .join(', ');

/** Index probes per theatre: a retraction or correction may move either end. */
const UPDATE_THEATRE_SPAN = `
UPDATE rm_theatres t SET first_occurred_at = s.first, last_occurred_at = s.last
FROM (
  SELECT s.theatre, least(${occurredBound('min')}) AS first,
    greatest(${occurredBound('max')}) AS last
  FROM unnest($1::text[]) AS s(theatre)
) s
WHERE t.theatre = s.theatre`;

/**
 * Applies a batch of stored events to the read models inside the caller's transaction
 * (the subscription's, which also moves the checkpoint). Set-based: a fixed number of
 * statements per batch whatever its size, so a rebuild is bounded by PostgreSQL's insert
 * rate rather than by round trips.
 */
export class ReadModelWriter {
  async apply(tx: Queryable, events: readonly ProjectedEvent[]): Promise<ReadModelChanges> {
    const known = await this.loadChangedRows(tx, events);
    const changes = projectEvents(known, events);
    if (changes.rows.size === 0) return changes;
    // Read models can always be projected again: a crash that loses the last commits loses
    // their checkpoint moves with them, so the events are projected again. Not waiting for
    // the WAL flush roughly halves a small batch's commit.
    await tx.query('SET LOCAL synchronous_commit TO OFF');
    await this.writeReportRows(tx, changes, known);
    await this.writeAggregates(tx, changes);
    await this.writeSourceTotals(tx, [...changes.casualtySources.values()]);
    await tx.query(UPDATE_THEATRE_SPAN, [[...changes.theatres]]);
    return changes;
  }

  /** The stored rows of reports that this batch corrects or retracts but did not file. */
  private async loadChangedRows(
    tx: Queryable,
    events: readonly ProjectedEvent[],
  ): Promise<Map<string, ReportRow>> {
    const filedHere = new Set<string>();
    const wanted = new Map<ReportType, Set<string>>();
    for (const event of events) {
      const changed = changedReportOf(event);
      if (!changed) {
        const reportId = (event.data as { reportId?: string } | null)?.reportId;
        if (reportId) filedHere.add(reportId);
        continue;
      }
      if (filedHere.has(changed.reportId)) continue;
      const ids = wanted.get(changed.reportType) ?? new Set<string>();
      ids.add(changed.reportId);
      wanted.set(changed.reportType, ids);
    }
    const known = new Map<string, ReportRow>();
    for (const [type, ids] of wanted) {
      const { rows } = await tx.query<{
        report: ReportRow['report'];
        version: number;
        position: string;
      }>(
        `SELECT report, version, position FROM ${REPORT_TABLES[type].name} WHERE report_id = ANY($1::text[])`,
        [[...ids]],
      );
      for (const row of rows) {
        known.set(row.report.reportId, {
          report: row.report,
          version: row.version,
          position: Number(row.position),
        });
      }
    }
    return known;
  }

  /**
   * Rows of reports filed in this batch are inserted; rows that existed before it (they were
   * loaded as `known`) are replaced or deleted.
   */
  private async writeReportRows(
    tx: Queryable,
    changes: ReadModelChanges,
    known: ReadonlyMap<string, ReportRow>,
  ): Promise<void> {
    for (const type of REPORT_TYPES) {
      const table = REPORT_TABLES[type];
      const inserts: ReportRow[] = [];
      const replacements: ReportRow[] = [];
      const deletes: string[] = [];
      for (const [reportId, row] of changes.rows) {
        if (row.reportType !== type) continue;
        if (!row.next) {
          if (known.has(reportId)) deletes.push(reportId);
        } else if (known.has(reportId)) replacements.push(row.next);
        else inserts.push(row.next);
      }
      if (deletes.length > 0) {
        await tx.query(`DELETE FROM ${table.name} WHERE report_id = ANY($1::text[])`, [deletes]);
      }
      if (replacements.length > 0) {
        await tx.query(insertReportRowsSql(table, true), rowParameters(table, replacements));
      }
      if (inserts.length > 0) {
        await tx.query(insertReportRowsSql(table, false), rowParameters(table, inserts));
      }
    }
  }

  private async writeAggregates(tx: Queryable, changes: ReadModelChanges): Promise<void> {
    for (const kind of Object.keys(AGGREGATE_TABLES) as AggregateKind[]) {
      const table = AGGREGATE_TABLES[kind];
      const entries: AggregateEntry[] = changes.sums
        .ofKind(kind)
        .filter((entry) => kind === 'theatreReports' || !isAggregateEntryEmpty(entry));
      if (entries.length === 0) continue;
      const keyArrays = table.keys.map((_, index) =>
        arrayLiteral(entries.map((entry) => entry.key[index])),
      );
      const valueArrays = table.values.map((_, index) =>
        arrayLiteral(entries.map((entry) => entry.values[index])),
      );
      await tx.query(addDeltasSql(table), [...keyArrays, ...valueArrays]);
      if (table.countColumn) {
        const theatres = [...new Set(entries.map((entry) => entry.key[0] as string))];
        await tx.query(
          `DELETE FROM ${table.table} WHERE theatre = ANY($1::text[]) AND ${table.countColumn} = 0`,
          [theatres],
        );
      }
    }
  }

  private async writeSourceTotals(tx: Queryable, keys: CasualtySourceKey[]): Promise<void> {
    if (keys.length === 0) return;
    const arrays = [
      arrayLiteral(keys.map((key) => key.theatre)),
      arrayLiteral(keys.map((key) => key.party)),
      arrayLiteral(keys.map((key) => key.category)),
      arrayLiteral(keys.map((key) => key.civilian)),
      arrayLiteral(keys.map((key) => key.source)),
    ];
    await tx.query(DELETE_GONE_SOURCE_TOTALS, arrays);
    await tx.query(UPSERT_SOURCE_TOTALS, arrays);
  }
}
