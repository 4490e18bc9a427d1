import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { ProblemError, type FieldProblem } from '@cm/platform';
import type { ReportFilter } from '../report-queries';
import type { ReportExports } from './report-exports';
import type { ExportFormat } from './report-exports';

/**
 * Answers a report list in CSV or GeoJSON: the whole filtered list, streamed. Paging
 * parameters make no sense there and are refused rather than ignored, so nobody takes the
 * first `limit` rows for the export they asked for.
 */
export async function sendReportExport(
  exports: ReportExports,
  reply: FastifyReply,
  format: ExportFormat,
  filter: ReportFilter,
  name: string,
  paging: { limit?: number; cursor?: string },
): Promise<Readable> {
  const problems: FieldProblem[] = [];
  const message = `must be left out of an export (Accept: ${format === 'csv' ? 'text/csv' : 'application/geo+json'}): it streams the whole filtered list`;
  if (paging.limit !== undefined) problems.push({ path: 'limit', message });
  if (paging.cursor !== undefined) problems.push({ path: 'cursor', message });
  if (problems.length > 0) {
    throw ProblemError.validation(problems, 'An export is not paged.');
  }
  const { headers, body } = await exports.open(filter, format, name);
  reply.headers(headers);
  return body;
}
