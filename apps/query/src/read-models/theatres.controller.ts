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
import type { Series } from '@cm/read-models';
import { OVERVIEW_SCHEMA, SERIES_SCHEMA, THEATRE_LIST_SCHEMA } from './response-schemas';
import { SeriesQueryDto } from './series-query.dto';
import { TheatreDirectory, TheatreSummary } from './theatre-directory';
import { TheatreOverviews, TheatreOverviewView } from './theatre-overviews';
import { TheatreSeries } from './theatre-series';

const problem = { description: 'problem+json (RFC 9457)' };

@ApiTags('theatres')
@ApiBearerAuth()
@Controller('v1/theatres')
export class TheatresController {
  constructor(
    private readonly theatres: TheatreDirectory,
    private readonly overviews: TheatreOverviews,
    private readonly series: TheatreSeries,
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

  @Get(':theatre/series')
  @RequiresRole('read')
  @ApiOperation({
    summary: 'A measure of a theatre per day, ISO week or month of event time, for charts',
    description:
      'casualties (by party or category), violations (by accused party) or personnel (by actor, or party supported) per bucket, with the overview’s semantics: increments summed; a casualty group with cumulative totals counts the change of its headline (the most reliable source’s total), never the sources’ totals added, and then not its increments (the total already includes them); personnel nets arrivals and buildups against withdrawals. Values are best estimates. Summed over every bucket they equal the overview’s figures. Buckets start at 00:00 UTC, on Mondays (ISO weeks) or on the 1st; every bucket from the first to the last is listed. With asOf: folded from the events recorded by then, as the overview does.',
  })
  @ApiParam({ name: 'theatre', description: 'Theatre slug', example: 'russia-ukraine' })
  @ApiOkResponse({ description: 'The series', schema: SERIES_SCHEMA })
  @ApiResponse({ status: 400, ...problem })
  @ApiResponse({ status: 401, ...problem })
  @ApiResponse({ status: 403, ...problem })
  @ApiResponse({ status: 404, description: 'Unknown theatre (or none of its reports by asOf)' })
  seriesOf(
    @Param('theatre') theatre: string,
    @Query(QueryParamsPipe) query: SeriesQueryDto,
  ): Promise<Series> {
    const options = {
      measure: query.measureName,
      interval: query.intervalName,
      by: query.byName,
      from: query.fromDate,
      to: query.toDate,
    };
    const asOf = query.asOfDate;
    return asOf ? this.series.asOf(theatre, asOf, options) : this.series.live(theatre, options);
  }
}
