import { REPORT_TYPES, type ReportType } from '@cm/contracts';
import {
  AGGREGATE_KINDS,
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
import type { Queryable } from '@cm/platform/plumbing';
import { CombinedStatement } from './statement';
import { insertReportRowsSql, REPORT_TABLES } from './report-tables';

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

/** Value columns in the order of the projections' AGGREGATE_VALUES. */
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

function addDeltasSql(
  { table, keys, values }: AggregateTable,
  entries: AggregateEntry[],
  param: CombinedStatement['param'],
): string {
  const columns = [...keys, ...values];
  const arrays = [
    ...keys.map((key, index) =>
      param(arrayLiteral(entries.map((entry) => entry.key[index])), `${key.type}[]`),
    ),
    ...values.map((value, index) =>
      param(arrayLiteral(entries.map((entry) => entry.values[index])), `${value.type}[]`),
    ),
  ];
  return `INSERT INTO ${table} (${columns.map((column) => column.name).join(', ')})
SELECT * FROM unnest(${arrays.join(', ')})
ON CONFLICT (${keys.map((key) => key.name).join(', ')}) DO UPDATE SET ${values
    .map(({ name }) => `${name} = ${table}.${name} + excluded.${name}`)
    .join(', ')}`;
}

/** The touched sources as a set-returning `unnest(...) AS k(...)` over five arrays. */
function sourceKeys(keys: CasualtySourceKey[], param: CombinedStatement['param']): string {
  const columns: [keyof CasualtySourceKey, string][] = [
    ['theatre', 'text'],
    ['party', 'text'],
    ['category', 'text'],
    ['civilian', 'boolean'],
    ['source', 'text'],
  ];
  const arrays = columns.map(([field, type]) =>
    param(arrayLiteral(keys.map((key) => key[field])), `${type}[]`),
  );
  return `unnest(${arrays.join(', ')}) AS k(theatre, party, category, civilian, source_name)`;
}

const SOURCE_MATCH = `c.theatre = k.theatre AND c.party = k.party AND c.category = k.category
  AND c.civilian = k.civilian AND c.source_name = k.source_name AND c.cumulative`;

/** Each touched source's latest cumulative total: one index probe per source. */
const upsertSourceTotalsSql = (keys: string) => `
INSERT INTO rm_casualty_source_totals
  (theatre, party, category, civilian, source_name, report_id, occurred_at, reliability,
   credibility, low, best, high)
SELECT k.theatre, k.party, k.category, k.civilian, k.source_name, c.report_id, c.occurred_at,
  c.source_reliability, c.source_credibility, coalesce(c.count_low, c.count_best), c.count_best,
  coalesce(c.count_high, c.count_best)
FROM ${keys}
CROSS JOIN LATERAL (
  SELECT * FROM rm_casualties c WHERE ${SOURCE_MATCH}
  ORDER BY c.occurred_at DESC, c.report_id DESC LIMIT 1
) c
ON CONFLICT (theatre, party, category, civilian, source_name) DO UPDATE SET
  report_id = excluded.report_id, occurred_at = excluded.occurred_at,
  reliability = excluded.reliability, credibility = excluded.credibility,
  low = excluded.low, best = excluded.best, high = excluded.high`;

/** Sources left without any cumulative total (disjoint from those upserted above). */
const deleteGoneSourceTotalsSql = (keys: string) => `
DELETE FROM rm_casualty_source_totals t USING ${keys}
WHERE t.theatre = k.theatre AND t.party = k.party AND t.category = k.category
  AND t.civilian = k.civilian AND t.source_name = k.source_name
  AND NOT EXISTS (SELECT 1 FROM rm_casualties c WHERE ${SOURCE_MATCH})`;

const occurredBound = (fn: 'min' | 'max') =>
  Object.values(REPORT_TABLES)
    .map(({ name }) => `(SELECT ${fn}(occurred_at) FROM ${name} r WHERE r.theatre = s.theatre)`)
    .join(', ');

/** Index probes per theatre: a retraction or correction may move either end. */
const updateTheatreSpanSql = (theatres: string) => `
UPDATE rm_theatres t SET first_occurred_at = s.first, last_occurred_at = s.last
FROM (
  SELECT s.theatre, least(${occurredBound('min')}) AS first,
    greatest(${occurredBound('max')}) AS last
  FROM unnest(${theatres}) AS s(theatre)
) s
WHERE t.theatre = s.theatre`;

/**
 * Applies a batch of stored events to the read models inside the caller's transaction
 * (the subscription's, which also moves the checkpoint). Set-based, and a fixed number of
 * round trips per batch whatever its size: one read of the rows the batch corrects or
 * retracts, then three combined statements (report rows; aggregate deltas; what derives from
 * both: emptied aggregate rows, sources' latest totals, theatres' first and last occurredAt),
 * each seeing the one before.
 */
export class ReadModelWriter {
  /**
   * `tx` is the batch's transaction. Each statement is built while PostgreSQL executes the
   * one before it (building is synchronous JavaScript, so no event-loop turn passes between
   * a statement's failure and the await that handles it).
   */
  async apply(tx: Queryable, events: readonly ProjectedEvent[]): Promise<ReadModelChanges> {
    const known = await this.loadChangedRows(tx, events);
    const changes = projectEvents(known, events);
    if (changes.rows.size === 0) return changes;
    const statements: (() => CombinedStatement)[] = [
      ...REPORT_TYPES.map((type) => () => this.reportRows(type, changes, known)),
      () => this.aggregateDeltas(changes),
      () => this.derived(changes),
    ];
    // Read models can always be projected again: a crash that loses the last commits loses
    // their checkpoint moves with them, so the events are projected again. Not waiting for
    // the WAL flush roughly halves a small batch's commit.
    let running: Promise<unknown> = tx.query('SET LOCAL synchronous_commit TO OFF');
    for (const build of statements) {
      const statement = build();
      await running;
      running = statement.run(tx);
    }
    await running;
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
    if (wanted.size === 0) return known;
    const selects = [...wanted.keys()].map(
      (type, index) =>
        `SELECT report, version, position FROM ${REPORT_TABLES[type].name} WHERE report_id = ANY($${index + 1}::text[])`,
    );
    const { rows } = await tx.query<{
      report: ReportRow['report'];
      version: number;
      position: string;
    }>(
      selects.join('\nUNION ALL\n'),
      [...wanted.values()].map((ids) => [...ids]),
    );
    for (const row of rows) {
      known.set(row.report.reportId, {
        report: row.report,
        version: row.version,
        position: Number(row.position),
      });
    }
    return known;
  }

  /**
   * One type's rows: those of reports filed in this batch are inserted; those that existed
   * before it (loaded as `known`) are replaced or deleted: three disjoint sets.
   */
  private reportRows(
    type: ReportType,
    changes: ReadModelChanges,
    known: ReadonlyMap<string, ReportRow>,
  ): CombinedStatement {
    const statement = new CombinedStatement();
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
      statement.add(
        `DELETE FROM ${table.name} WHERE report_id = ANY(${statement.param(arrayLiteral(deletes), 'text[]')})`,
      );
    }
    if (replacements.length > 0) {
      statement.add(insertReportRowsSql(table, replacements, true, statement.param));
    }
    if (inserts.length > 0) {
      statement.add(insertReportRowsSql(table, inserts, false, statement.param));
    }
    return statement;
  }

  private aggregateDeltas(changes: ReadModelChanges): CombinedStatement {
    const statement = new CombinedStatement();
    for (const kind of AGGREGATE_KINDS) {
      const entries: AggregateEntry[] = changes.sums
        .ofKind(kind)
        .filter((entry) => kind === 'theatreReports' || !isAggregateEntryEmpty(entry));
      if (entries.length > 0) {
        statement.add(addDeltasSql(AGGREGATE_TABLES[kind], entries, statement.param));
      }
    }
    return statement;
  }

  private derived(changes: ReadModelChanges): CombinedStatement {
    const statement = new CombinedStatement();
    const theatres = statement.param(arrayLiteral([...changes.theatres]), 'text[]');
    for (const table of Object.values(AGGREGATE_TABLES)) {
      if (table.countColumn) {
        statement.add(
          `DELETE FROM ${table.table} WHERE theatre = ANY(${theatres}) AND ${table.countColumn} = 0`,
        );
      }
    }
    const sources = [...changes.casualtySources.values()];
    if (sources.length > 0) {
      const keys = sourceKeys(sources, statement.param);
      statement.add(deleteGoneSourceTotalsSql(keys));
      statement.add(upsertSourceTotalsSql(keys));
    }
    statement.add(updateTheatreSpanSql(theatres));
    return statement;
  }
}
