import { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { CLOCK, Clock, PG_POOL } from '@cm/platform';
import {
  reportStreamQuery,
  unlocatedCountQuery,
  type ReportFilter,
  type SqlQuery,
} from '../report-queries';
import { CSV_BOM, csvColumns, csvHeader, csvRowFormatter } from './report-csv';
import { MEDIA_TYPE_OF_FORMAT, type ReportListFormat } from './negotiate-format';

/** Rows per FETCH: a page in memory at a time, a few hundred kB of text. */
const FETCH_ROWS = 1000;
const CURSOR = 'report_export';

export type ExportFormat = Exclude<ReportListFormat, 'json'>;

/** An export ready to send: its headers (the count of unlocated reports known) and body. */
export interface ReportExport {
  headers: Record<string, string>;
  body: Readable;
}

interface ReportRow {
  report: Record<string, unknown>;
  version: number;
}

interface GeoRow {
  report_text: string;
  version: number;
  report_id: string;
  latitude: number;
  longitude: number;
}

/**
 * Whole report lists as CSV or GeoJSON, streamed from a server-side cursor: one page of rows
 * in memory at a time, the next FETCH only once the socket has taken the page before (the body
 * is piped, so a slow client slows the reads rather than filling memory). Everything runs in
 * one REPEATABLE READ READ ONLY transaction: GeoJSON's count of unlocated reports (a header,
 * so counted before the first feature) and the rows are the same snapshot, and a read-only
 * transaction takes no transaction id, so it holds back no subscription. When the client goes
 * away Fastify destroys the body; the cursor's transaction is rolled back and the connection
 * returned after the FETCH in flight.
 */
@Injectable()
export class ReportExports {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** `name` names the file: `<name>-<UTC timestamp>.csv|.geojson`. */
  async open(filter: ReportFilter, format: ExportFormat, name: string): Promise<ReportExport> {
    const state = { unlocated: 0 };
    const chunks = format === 'csv' ? this.csv(filter) : this.geojson(filter, state);
    // Runs up to the first chunk: the transaction, the count, the cursor declared.
    const first = await chunks.next();
    const body = Readable.from(prepend(first.done ? '' : first.value, chunks), {
      objectMode: false,
    });
    // Closes the cursor whenever the body ends or is destroyed, even before it was read.
    body.once('close', () => void chunks.return(undefined));
    const stamp = this.clock.now().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
    const extension = format === 'csv' ? 'csv' : 'geojson';
    const headers: Record<string, string> = {
      'content-type':
        format === 'csv'
          ? 'text/csv; charset=utf-8; header=present'
          : `${MEDIA_TYPE_OF_FORMAT.geojson}; charset=utf-8`,
      'content-disposition': `attachment; filename="${name}-${stamp}.${extension}"`,
      'cache-control': 'no-store',
    };
    if (format === 'geojson') headers['x-unlocated-count'] = String(state.unlocated);
    return { headers, body };
  }

  private async *csv(filter: ReportFilter): AsyncGenerator<string> {
    const columns = csvColumns(filter.tables.map((table) => table.type));
    const row = csvRowFormatter(columns);
    yield* this.pages<ReportRow>(
      reportStreamQuery(filter, 'report'),
      undefined,
      (rows) => {
        let text = '';
        for (const { report, version } of rows) {
          report.version = version;
          text += row(report);
        }
        return text;
      },
      `${CSV_BOM}${csvHeader(columns)}`,
    );
  }

  private async *geojson(
    filter: ReportFilter,
    state: { unlocated: number },
  ): AsyncGenerator<string> {
    let first = true;
    yield* this.pages<GeoRow>(
      reportStreamQuery(filter, 'geojson', true),
      async (client) => {
        const { rows } = await client.query<{ unlocated: string }>(unlocatedCountQuery(filter));
        state.unlocated = Number(rows[0].unlocated);
      },
      (rows) => {
        let text = '';
        for (const row of rows) {
          text += first ? '' : ',';
          first = false;
          // The stored report JSON without its closing brace, then the version: the feature's
          // properties are the JSON list's item, copied rather than parsed and written again.
          text +=
            `{"type":"Feature","id":${JSON.stringify(row.report_id)},` +
            `"geometry":{"type":"Point","coordinates":[${row.longitude},${row.latitude}]},` +
            `"properties":${row.report_text.slice(0, -1)},"version":${row.version}}}`;
        }
        return text;
      },
      '{"type":"FeatureCollection","features":[',
      ']}\n',
    );
  }

  /**
   * Opens the transaction and cursor, yields `opening` (so the caller knows the headers once
   * the first chunk is out), then each FETCH's rows formatted, then `closing`.
   */
  private async *pages<Row>(
    query: SqlQuery,
    before: ((client: PoolClient) => Promise<void>) | undefined,
    format: (rows: Row[]) => string,
    opening: string,
    closing = '',
  ): AsyncGenerator<string> {
    const client = await this.pool.connect();
    let failure: Error | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      if (before) await before(client);
      await client.query({
        text: `DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${query.text}`,
        values: query.values,
      });
      yield opening;
      const fetch = `FETCH ${FETCH_ROWS} FROM ${CURSOR}`;
      for (;;) {
        const { rows } = await client.query<Row & object>(fetch);
        if (rows.length > 0) yield format(rows);
        if (rows.length < FETCH_ROWS) break;
      }
      if (closing) yield closing;
    } catch (error) {
      failure = error as Error;
      throw error;
    } finally {
      // Ends the transaction and the cursor with it; a connection that failed is dropped.
      if (!failure) {
        await client.query('ROLLBACK').catch((error: Error) => {
          failure = error;
        });
      }
      client.release(failure ?? false);
    }
  }
}

async function* prepend(first: string, rest: AsyncGenerator<string>): AsyncGenerator<string> {
  yield first;
  yield* rest;
}
