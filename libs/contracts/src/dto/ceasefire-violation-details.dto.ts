import { LIMITS, VIOLATION_MEANS, ViolationMeans } from '../report-vocabulary';
import type { CeasefireViolationDetails } from '../report.types';
import { Actor, OneOf, Optional, Required, Slug, Text } from '../validation/contract-decorators';

/** One party accusing another of breaking a named ceasefire. */
export class CeasefireViolationDetailsDto implements CeasefireViolationDetails {
  @Required()
  @Slug()
  ceasefire: string;

  @Required()
  @Actor()
  accusedParty: string;

  @Required()
  @Actor()
  accusingParty: string;

  @Required()
  @OneOf(VIOLATION_MEANS)
  means: ViolationMeans;

  @Optional()
  @Text(LIMITS.violationTarget)
  target?: string;

  @Optional()
  @Text(LIMITS.violationDescription)
  description?: string;
}
