import { Controller, Get, Param, Query } from '@nestjs/common';
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
import { REPORT_PAGE_SCHEMA } from './response-schemas';
import { TheatreDirectory } from './theatre-directory';
import { ReportListName, ReportListPage, TheatreReportLists } from './theatre-report-lists';

const problem = { description: 'problem+json (RFC 9457)' };
const PAGE_DESCRIPTION =
  '{ items, nextCursor }: the reports’ current state (corrections applied, retractions left out) with their version, newest first by (occurredAt, reportId). nextCursor is null on the last page.';

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
      ApiOkResponse({ description: PAGE_DESCRIPTION, schema: REPORT_PAGE_SCHEMA }),
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

@ApiTags('theatres')
@ApiBearerAuth()
@Controller('v1/theatres/:theatre')
export class TheatreReportsController {
  constructor(
    private readonly theatres: TheatreDirectory,
    private readonly lists: TheatreReportLists,
  ) {}

  @Get('deployments')
  @ListEndpoint('A theatre’s deployment reports; `actor` filters by whose forces they are')
  deployments(
    @Param('theatre') theatre: string,
    @Query(QueryParamsPipe) query: ActorListQueryDto,
  ): Promise<ReportListPage> {
    return this.page(theatre, 'deployments', query, query.actor);
  }

  @Get('casualties')
  @ListEndpoint('A theatre’s casualty reports; `party` filters by the party that suffered them')
  casualties(
    @Param('theatre') theatre: string,
    @Query(QueryParamsPipe) query: PartyListQueryDto,
  ): Promise<ReportListPage> {
    return this.page(theatre, 'casualties', query, query.party);
  }

  @Get('ceasefire-violations')
  @ListEndpoint(
    'A theatre’s ceasefire violation reports; `party` matches the accused or the accusing party',
  )
  ceasefireViolations(
    @Param('theatre') theatre: string,
    @Query(QueryParamsPipe) query: PartyListQueryDto,
  ): Promise<ReportListPage> {
    return this.page(theatre, 'ceasefireViolations', query, query.party);
  }

  @Get('sanction-demands')
  @ListEndpoint('A theatre’s active sanction demands; `party` filters by the demanding party')
  sanctionDemands(
    @Param('theatre') theatre: string,
    @Query(QueryParamsPipe) query: PartyListQueryDto,
  ): Promise<ReportListPage> {
    return this.page(theatre, 'sanctionDemands', query, query.party);
  }

  private async page(
    theatre: string,
    list: ReportListName,
    query: ListQueryDto,
    party: string | undefined,
  ): Promise<ReportListPage> {
    await this.theatres.require(theatre);
    return this.lists.page(theatre, list, {
      from: query.fromDate,
      to: query.toDate,
      party,
      limit: query.pageSize,
      cursor: query.cursor,
    });
  }
}
