import { Module } from '@nestjs/common';
import { EventStoreModule } from '@cm/platform';
import { ReportIngestController } from './reports/report-ingest.controller';
import { ReportIngestService } from './reports/report-ingest.service';

/** HTTP ingest: validate, decide, append to the event store. */
@Module({
  imports: [EventStoreModule],
  controllers: [ReportIngestController],
  providers: [ReportIngestService],
})
export class IngestModule {}
