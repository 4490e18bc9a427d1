import type { Readable } from 'node:stream';
import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { REPORT_TYPES } from '@cm/contracts';
import { RequiresRole } from '@cm/platform';
import { QueryParamsPipe } from '../http/query-params.pipe';
import { sendReportExport } from './export/export-response';
import { negotiateReportFormat } from './export/negotiate-format';
import { ReportExports } from './export/report-exports';
import { REPORT_TABLE_OF_TYPE, type ReportFilter } from './report-queries';
import { ReportSearch } from './report-search';
import { ReportSearchQueryDto } from './report-search.dto';
import type { ReportListPage } from './theatre-report-lists';
import { ExportResponses } from './theatre-reports.controller';

const problem = { description: 'problem+json (RFC 9457)' };

@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1/reports')
export class ReportSearchController {
  constructor(
    private readonly search: ReportSearch,
    private readonly exports: ReportExports,
  ) {}

  @Get()
  @RequiresRole('read')
  @ApiOperation({
    summary: 'Search the reports of every theatre and type',
    description:
      'Filters: theatre, type, occurredAt in [from, to), source (source.name, exact), bbox (located reports in minLon,minLat,maxLon,maxLat, bounds included), limit (1-500, default 100). Newest first by (occurredAt, reportId), keyset pages as the theatre lists; keep the same filters along a cursor. An unknown theatre or source finds nothing (200, no items).',
  })
  @ExportResponses()
  @ApiResponse({ status: 400, ...problem })
  @ApiResponse({ status: 401, ...problem })
  @ApiResponse({ status: 403, ...problem })
  async find(
    @Query(QueryParamsPipe) query: ReportSearchQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReportListPage | Readable> {
    const filter: ReportFilter = {
      tables: (query.type === undefined ? REPORT_TYPES : [query.type]).map(
        (type) => REPORT_TABLE_OF_TYPE[type],
      ),
      theatre: query.theatre,
      from: query.fromDate,
      to: query.toDate,
      source: query.source,
      bbox: query.bboxValue,
    };
    reply.header('vary', 'Accept');
    const format = negotiateReportFormat(accept);
    if (format !== 'json') {
      return sendReportExport(this.exports, reply, format, filter, 'reports', {
        limit: query.limit,
        cursor: query.cursor,
      });
    }
    return this.search.page(filter, query.pageSize, query.cursor);
  }
}
