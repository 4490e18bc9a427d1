import { ValidateIf } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import {
  isReportType,
  OCCURRED_PRECISIONS,
  OccurredPrecision,
  REPORT_TYPES,
  ReportType,
} from '../report-vocabulary';
import {
  DateTime,
  Nested,
  OneOf,
  Optional,
  ReportId,
  Required,
  Slug,
} from '../validation/contract-decorators';
import { LocationDto } from './location.dto';
import { DetailsByType } from './report-details.dto';
import { SourceDto } from './source.dto';

/** The report envelope: one claim by one source about one happening. */
// details is always required; its ValidateIf (below) only hides it from the generator.
@JSONSchema((schema) => ({ ...schema, required: [...(schema.required ?? []), 'details'] }))
export class ReportDto {
  @Required()
  @ReportId()
  @JSONSchema({ description: 'Client-chosen; the idempotency key.' })
  reportId: string;

  @Required()
  @OneOf(REPORT_TYPES)
  type: ReportType;

  @Required()
  @Slug()
  @JSONSchema({ description: 'e.g. russia-ukraine' })
  theatre: string;

  @Required()
  @DateTime()
  @JSONSchema({
    description: 'Event time; from 1900-01-01T00:00:00Z, not after reportedAt + 1 day.',
  })
  occurredAt: string;

  @Optional()
  @OneOf(OCCURRED_PRECISIONS)
  @JSONSchema({ default: 'day', description: 'How exact occurredAt is (as UCDP’s date_prec).' })
  occurredPrecision?: OccurredPrecision;

  @Required()
  @DateTime()
  @JSONSchema({
    description:
      'When the source published it; from 1900-01-01T00:00:00Z, not in the future (5 minutes of skew allowed).',
  })
  reportedAt: string;

  @Required()
  @Nested(() => SourceDto)
  source: SourceDto;

  @Optional()
  @Nested(() => LocationDto)
  location?: LocationDto;

  // With an unknown type there is no class to check details against: `type` is the error.
  @ValidateIf((report: ReportDto) => isReportType(report.type))
  @Required()
  @DetailsByType()
  details: object;
}
