export { IngestModule } from './ingest.module';
export { ReportIngestService } from './reports/report-ingest.service';
