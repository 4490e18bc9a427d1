import { Module } from '@nestjs/common';
import { ReportExports } from './export/report-exports';
import { ReportSearch } from './report-search';
import { ReportSearchController } from './report-search.controller';
import { TheatreDirectory } from './theatre-directory';
import { TheatreOverviews } from './theatre-overviews';
import { TheatreReportLists } from './theatre-report-lists';
import { TheatreSeries } from './theatre-series';
import { TheatreReportsController } from './theatre-reports.controller';
import { TheatresController } from './theatres.controller';

/** GET /v1/theatres and everything under it, and GET /v1/reports: the projector's tables. */
@Module({
  controllers: [TheatresController, TheatreReportsController, ReportSearchController],
  providers: [
    TheatreDirectory,
    TheatreOverviews,
    TheatreReportLists,
    TheatreSeries,
    ReportSearch,
    ReportExports,
  ],
})
export class ReadModelsHttpModule {}
