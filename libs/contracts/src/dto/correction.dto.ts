import { JSONSchema } from 'class-validator-jsonschema';
import { LIMITS } from '../report-vocabulary';
import { DateTime, Optional, Required, Text, WholeNumber } from '../validation/contract-decorators';
import { DetailsByType } from './report-details.dto';

/** New details (and maybe occurredAt) for a report, at the version the client last saw. */
export class CorrectionDto {
  @Required()
  @WholeNumber(1, Number.MAX_SAFE_INTEGER)
  expectedVersion: number;

  @Required()
  @DetailsByType('The whole new details, of the corrected report’s type (see ReportDto).')
  details: object;

  @Optional()
  @DateTime()
  @JSONSchema({ description: 'A new event time; unchanged when absent.' })
  occurredAt?: string;

  @Required()
  @Text(LIMITS.reason)
  reason: string;
}
