import { Module } from '@nestjs/common';
import { TheatreDirectory } from './theatre-directory';
import { TheatreOverviews } from './theatre-overviews';
import { TheatreReportLists } from './theatre-report-lists';
import { TheatreSeries } from './theatre-series';
import { TheatreReportsController } from './theatre-reports.controller';
import { TheatresController } from './theatres.controller';

/** GET /v1/theatres and everything under it, read from the projector's tables. */
@Module({
  controllers: [TheatresController, TheatreReportsController],
  providers: [TheatreDirectory, TheatreOverviews, TheatreReportLists, TheatreSeries],
})
export class ReadModelsHttpModule {}
