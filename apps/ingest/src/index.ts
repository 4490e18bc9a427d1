export { IngestModule } from './ingest.module';
export { ReportIngestService } from './reports/report-ingest.service';
export { ReportRelayService } from './relay/report-relay.service';
