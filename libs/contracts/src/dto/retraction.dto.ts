import { JSONSchema } from 'class-validator-jsonschema';
import { LIMITS } from '../report-vocabulary';
import type { Retraction } from '../report.types';
import { Optional, Required, Text, WholeNumber } from '../validation/contract-decorators';

export class RetractionDto implements Retraction {
  @Optional()
  @WholeNumber(1, Number.MAX_SAFE_INTEGER)
  @JSONSchema({ description: 'When absent, the retraction applies to the current version.' })
  expectedVersion?: number;

  @Required()
  @Text(LIMITS.reason)
  reason: string;
}
