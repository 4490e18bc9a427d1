import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@cm/platform';
import type { KeysetCursor } from '../http/keyset-cursor';
import { ReportListKey, reportListCursor } from './report-list-cursor';

/** A report of a list: its current state (corrections applied) and the version it is at. */
export type ReportListItem = Record<string, unknown> & { reportId: string; version: number };

export interface ReportListPage {
  items: ReportListItem[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface ReportListFilter {
  from?: Date;
  to?: Date;
  /** The list's party filter (`actor` of deployments, `party` of the others). */
  party?: string;
  limit: number;
  cursor?: string;
}

/** One list of a theatre: its read-model table and the columns its party filter matches. */
interface ReportListDefinition {
  readonly name: string;
  readonly table: string;
  readonly partyColumns: readonly string[];
  readonly cursor: KeysetCursor<ReportListKey>;
}

const definition = (name: string, table: string, partyColumns: string[]) => ({
  name,
  table,
  partyColumns,
  cursor: reportListCursor(name),
});

export const REPORT_LISTS = {
  deployments: definition('deployments', 'rm_deployments', ['actor']),
  casualties: definition('casualties', 'rm_casualties', ['party']),
  ceasefireViolations: definition('ceasefire-violations', 'rm_ceasefire_violations', [
    'accused_party',
    'accusing_party',
  ]),
  sanctionDemands: definition('sanction-demands', 'rm_sanction_demands', ['demanding_party']),
} as const satisfies Record<string, ReportListDefinition>;

export type ReportListName = keyof typeof REPORT_LISTS;

interface ReportListRow {
  report: Record<string, unknown> & { reportId: string };
  version: number;
  occurred_at: Date;
  report_id: string;
}

/**
 * Pages of a theatre's reports of one type from the projector's tables, newest first by
 * (occurredAt, reportId): a keyset on the tables' (theatre, [party,] occurred_at, report_id)
 * indexes, never OFFSET, so a page costs the same at any depth and concurrent inserts do not
 * shift it. A party filter over two columns (accused or accusing) is a UNION ALL of two
 * disjoint index scans, each bounded by the page size.
 */
@Injectable()
export class TheatreReportLists {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async page(
    theatre: string,
    name: ReportListName,
    filter: ReportListFilter,
  ): Promise<ReportListPage> {
    const list: ReportListDefinition = REPORT_LISTS[name];
    const after = filter.cursor === undefined ? undefined : list.cursor.decode(filter.cursor);
    const values: unknown[] = [theatre];
    const parameter = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    const conditions = ['theatre = $1'];
    if (filter.from) conditions.push(`occurred_at >= ${parameter(filter.from)}`);
    if (filter.to) conditions.push(`occurred_at < ${parameter(filter.to)}`);
    if (after) {
      conditions.push(
        `(occurred_at, report_id) < (${parameter(after.o)}::timestamptz, ${parameter(after.r)})`,
      );
    }
    const limit = parameter(filter.limit + 1);
    const order = 'ORDER BY occurred_at DESC, report_id DESC';
    const select = (extra: string[]) =>
      `SELECT report, version, occurred_at, report_id FROM ${list.table}
       WHERE ${[...conditions, ...extra].join(' AND ')} ${order} LIMIT ${limit}`;

    let text: string;
    if (filter.party === undefined) {
      text = select([]);
    } else {
      const party = parameter(filter.party);
      // One branch per column; a branch leaves out rows an earlier one matched, so the
      // branches are disjoint and UNION ALL needs no comparison of rows.
      const branches = list.partyColumns.map((column, i) => {
        const earlier = list.partyColumns.slice(0, i).map((other) => `${other} <> ${party}`);
        return `(${select([`${column} = ${party}`, ...earlier])})`;
      });
      text =
        branches.length === 1
          ? branches[0]
          : `${branches.join(' UNION ALL ')} ${order} LIMIT ${limit}`;
    }

    const { rows } = await this.pool.query<ReportListRow>(text, values);
    const page = rows.slice(0, filter.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => ({ ...row.report, version: row.version })),
      nextCursor:
        rows.length > filter.limit && last
          ? list.cursor.encode({ o: last.occurred_at.toISOString(), r: last.report_id })
          : null,
    };
  }
}
