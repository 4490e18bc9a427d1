import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@cm/platform';
import { reportListCursor } from './report-list-cursor';
import { reportPageQuery, type ReportFilter } from './report-queries';
import type { ReportListPage } from './theatre-report-lists';

interface ReportRow {
  report: Record<string, unknown> & { reportId: string };
  version: number;
  occurred_at: Date;
  report_id: string;
}

/** The search's own cursor scope: a theatre list's cursor is refused here, and the reverse. */
const SEARCH_CURSOR = reportListCursor('reports');

/**
 * GET /v1/reports: pages across the report tables, newest first by (occurredAt, reportId),
 * the same keyset as the theatre lists (docs/ARCHITECTURE.md, "Query").
 */
@Injectable()
export class ReportSearch {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async page(filter: ReportFilter, limit: number, cursor?: string): Promise<ReportListPage> {
    const after = cursor === undefined ? undefined : SEARCH_CURSOR.decode(cursor);
    const { rows } = await this.pool.query<ReportRow>(reportPageQuery(filter, limit + 1, after));
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => ({ ...row.report, version: row.version })),
      nextCursor:
        rows.length > limit && last
          ? SEARCH_CURSOR.encode({ o: last.occurred_at.toISOString(), r: last.report_id })
          : null,
    };
  }
}
