import { ArrayMaxSize, ArrayMinSize, IsArray } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { LIMITS } from '../report-vocabulary';
import type { BatchEnvelope } from '../report.types';
import { Required } from '../validation/contract-decorators';

/** Only the envelope: each report in it is validated (and answered) on its own. */
export class BatchEnvelopeDto implements BatchEnvelope {
  @Required()
  @IsArray({ message: 'must be a list' })
  @ArrayMinSize(1, { message: 'must have at least 1 report' })
  @ArrayMaxSize(LIMITS.batchReports, {
    message: `must have at most ${LIMITS.batchReports} reports`,
  })
  @JSONSchema({ items: { $ref: '#/components/schemas/ReportDto' } })
  reports: unknown[];
}
