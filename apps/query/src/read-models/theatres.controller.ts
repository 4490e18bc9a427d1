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
import { QueryParamsPipe } from '../http/query-params.pipe';
import { OverviewQueryDto } from './overview-query.dto';
import { OVERVIEW_SCHEMA, THEATRE_LIST_SCHEMA } from './response-schemas';
import { TheatreDirectory, TheatreSummary } from './theatre-directory';
import { TheatreOverviews, TheatreOverviewView } from './theatre-overviews';

const problem = { description: 'problem+json (RFC 9457)' };

@ApiTags('theatres')
@ApiBearerAuth()
@Controller('v1/theatres')
export class TheatresController {
  constructor(
    private readonly theatres: TheatreDirectory,
    private readonly overviews: TheatreOverviews,
  ) {}

  @Get()
  @RequiresRole('read')
  @ApiOperation({ summary: 'Every theatre reported on, with its report counts and open alerts' })
  @ApiOkResponse({ description: 'The theatres, by name', schema: THEATRE_LIST_SCHEMA })
  @ApiResponse({ status: 401, ...problem })
  @ApiResponse({ status: 403, ...problem })
  async list(): Promise<{ items: TheatreSummary[] }> {
    return { items: await this.theatres.list() };
  }

  @Get(':theatre/overview')
  @RequiresRole('read')
  @ApiOperation({
    summary: 'A theatre at a glance, now or as of an instant',
    description:
      'Personnel and equipment by actor and supporting party, casualties by party and category (increments summed, cumulative totals per source with a headline), ceasefire violations by accused party in the last 24 h and 7 d of event time, active sanction demands by demanding party, open alerts. With asOf: folded from the events recorded by then through the same projections; the windows end at asOf.',
  })
  @ApiParam({ name: 'theatre', description: 'Theatre slug', example: 'russia-ukraine' })
  @ApiOkResponse({ description: 'The overview', schema: OVERVIEW_SCHEMA })
  @ApiResponse({ status: 400, ...problem })
  @ApiResponse({ status: 401, ...problem })
  @ApiResponse({ status: 403, ...problem })
  @ApiResponse({ status: 404, description: 'Unknown theatre (or none of its reports by asOf)' })
  overview(
    @Param('theatre') theatre: string,
    @Query(QueryParamsPipe) query: OverviewQueryDto,
  ): Promise<TheatreOverviewView> {
    const asOf = query.asOfDate;
    return asOf ? this.overviews.asOf(theatre, asOf) : this.overviews.live(theatre);
  }
}
