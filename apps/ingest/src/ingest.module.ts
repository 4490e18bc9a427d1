import { Module } from '@nestjs/common';
import { MessagingModule } from '@cm/messaging';
import { EventStoreModule } from '@cm/platform';
import { IngestMetrics } from './ingest-metrics';
import { ReportIngestController } from './reports/report-ingest.controller';
import { ReportIngestService } from './reports/report-ingest.service';
import { ReportRelayService } from './relay/report-relay.service';

/** HTTP ingest: validate, decide, append to the event store; in distributed mode, relay it to Kafka. */
@Module({
  imports: [EventStoreModule, MessagingModule],
  controllers: [ReportIngestController],
  providers: [IngestMetrics, ReportIngestService, ReportRelayService],
  exports: [ReportRelayService],
})
export class IngestModule {}
