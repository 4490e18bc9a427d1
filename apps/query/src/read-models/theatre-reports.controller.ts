import type { Readable } from 'node:stream';
import { applyDecorators, Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { RequiresRole } from '@cm/platform';
import { ActorListQueryDto, ListQueryDto, PartyListQueryDto } from '../http/list-query.dto';
import { QueryParamsPipe } from '../http/query-params.pipe';
import { sendReportExport as sendExport } from './export/export-response';
import { negotiateReportFormat } from './export/negotiate-format';
import { ReportExports } from './export/report-exports';
import { REPORT_TABLE_OF_TYPE, type ReportTableRef } from './report-queries';
import {
  REPORT_CSV_SCHEMA,
  REPORT_FEATURE_COLLECTION_SCHEMA,
  REPORT_PAGE_SCHEMA,
} from './response-schemas';
import { TheatreDirectory } from './theatre-directory';
import {
  REPORT_LISTS,
  ReportListName,
  ReportListPage,
  TheatreReportLists,
} from './theatre-report-lists';

const problem = { description: 'problem+json (RFC 9457)' };
const PAGE_DESCRIPTION =
  '{ items, nextCursor }: the reports’ current state (corrections applied, retractions left out) with their version, newest first by (occurredAt, reportId). nextCursor is null on the last page.';

export const EXPORT_DESCRIPTION =
  'With `Accept: text/csv` or `Accept: application/geo+json` the whole filtered list is streamed (no limit or cursor): CSV per RFC 4180 with the columns of README.md ("Exports"), or a GeoJSON FeatureCollection of the located reports with the count of unlocated ones left out in `X-Unlocated-Count`. JSON pages otherwise.';

/**
 * The three answers of every report list, for OpenAPI: by media type, which is how OpenAPI 3
 * describes negotiation (an `Accept` header parameter is ignored by its rules).
 */
export function ExportResponses(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiOkResponse({
      description: `${PAGE_DESCRIPTION} ${EXPORT_DESCRIPTION}`,
      content: {
        'application/json': { schema: REPORT_PAGE_SCHEMA },
        'text/csv': { schema: REPORT_CSV_SCHEMA },
        'application/geo+json': { schema: REPORT_FEATURE_COLLECTION_SCHEMA },
      },
      headers: {
        'X-Unlocated-Count': {
          description: 'GeoJSON only: reports of the list left out for having no location',
          schema: { type: 'integer' },
        },
        'Content-Disposition': {
          description:
            'CSV and GeoJSON: attachment; filename="<list>-<UTC timestamp>.csv|.geojson"',
          schema: { type: 'string' },
        },
      },
    }),
  );
}

/** Documents one list endpoint the same way as the others. */
function ListEndpoint(summary: string): MethodDecorator {
  return (target, key, descriptor) => {
    for (const decorate of [
      ApiOperation({
        summary,
        description:
          'Filters: occurredAt in [from, to), the party filter, limit (1-500, default 100). Pages are a keyset: a cursor stays valid and skips or repeats nothing while reports arrive. Keep the same filters along a cursor.',
      }),
      ApiParam({ name: 'theatre', description: 'Theatre slug', example: 'russia-ukraine' }),
      ExportResponses(),
      ApiResponse({ status: 400, ...problem }),
      ApiResponse({ status: 401, ...problem }),
      ApiResponse({ status: 403, ...problem }),
      ApiResponse({ status: 404, description: 'Unknown theatre' }),
      RequiresRole('read'),
    ]) {
      decorate(target, key, descriptor);
    }
  };
}

const LIST_TYPES = {
  deployments: 'deployment',
  casualties: 'casualty',
  ceasefireViolations: 'ceasefire_violation',
  sanctionDemands: 'sanction_demand',
} as const satisfies Record<ReportListName, string>;

@ApiTags('theatres')
@ApiBearerAuth()
@Controller('v1/theatres/:theatre')
export class TheatreReportsController {
  constructor(
    private readonly theatres: TheatreDirectory,
    private readonly lists: TheatreReportLists,
    private readonly exports: ReportExports,
  ) {}

  @Get('deployments')
  @ListEndpoint('A theatre’s deployment reports; `actor` filters by whose forces they are')
  deployments(
    @Param('theatre') theatre: string,
    @Query(QueryParamsPipe) query: ActorListQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReportListPage | Readable> {
    return this.answer(theatre, 'deployments', query, query.actor, accept, reply);
  }

  @Get('casualties')
  @ListEndpoint('A theatre’s casualty reports; `party` filters by the party that suffered them')
  casualties(
    @Param('theatre') theatre: string,
    @Query(QueryParamsPipe) query: PartyListQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReportListPage | Readable> {
    return this.answer(theatre, 'casualties', query, query.party, accept, reply);
  }

  @Get('ceasefire-violations')
  @ListEndpoint(
    'A theatre’s ceasefire violation reports; `party` matches the accused or the accusing party',
  )
  ceasefireViolations(
    @Param('theatre') theatre: string,
    @Query(QueryParamsPipe) query: PartyListQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReportListPage | Readable> {
    return this.answer(theatre, 'ceasefireViolations', query, query.party, accept, reply);
  }

  @Get('sanction-demands')
  @ListEndpoint('A theatre’s active sanction demands; `party` filters by the demanding party')
  sanctionDemands(
    @Param('theatre') theatre: string,
    @Query(QueryParamsPipe) query: PartyListQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReportListPage | Readable> {
    return this.answer(theatre, 'sanctionDemands', query, query.party, accept, reply);
  }

  private async answer(
    theatre: string,
    list: ReportListName,
    query: ListQueryDto,
    party: string | undefined,
    accept: string | undefined,
    reply: FastifyReply,
  ): Promise<ReportListPage | Readable> {
    await this.theatres.require(theatre);
    reply.header('vary', 'Accept');
    const format = negotiateReportFormat(accept);
    if (format !== 'json') {
      const definition = REPORT_LISTS[list];
      const table: ReportTableRef = REPORT_TABLE_OF_TYPE[LIST_TYPES[list]];
      return sendExport(
        this.exports,
        reply,
        format,
        {
          tables: [table],
          theatre,
          from: query.fromDate,
          to: query.toDate,
          party:
            party === undefined ? undefined : { columns: definition.partyColumns, value: party },
        },
        `${theatre}-${definition.name}`,
        { limit: query.limit, cursor: query.cursor },
      );
    }
    return this.lists.page(theatre, list, {
      from: query.fromDate,
      to: query.toDate,
      party,
      limit: query.pageSize,
      cursor: query.cursor,
    });
  }
}
