import {
  LIMITS,
  SANCTION_CONDITION_KINDS,
  SANCTION_DEMANDS,
  SanctionConditionKind,
  SanctionDemand,
} from '../report-vocabulary';
import type { Sanction, SanctionCondition, SanctionDemandDetails } from '../report.types';
import {
  Actor,
  Nested,
  NestedList,
  OneOf,
  Optional,
  Required,
  Slug,
  Text,
} from '../validation/contract-decorators';

/** One sanction in force, e.g. the EU's SWIFT disconnection of Rosselkhozbank. */
export class SanctionDto implements Sanction {
  @Required()
  @Actor()
  imposedBy: string;

  @Required()
  @Text(LIMITS.sanctionTarget)
  target: string;

  @Required()
  @Text(LIMITS.sanctionMeasure)
  measure: string;
}

export class SanctionConditionDto implements SanctionCondition {
  @Required()
  @OneOf(SANCTION_CONDITION_KINDS)
  kind: SanctionConditionKind;

  @Required()
  @Slug()
  ceasefire: string;
}

/** A party demanding that sanctions be lifted, eased or imposed, maybe as a condition. */
export class SanctionDemandDetailsDto implements SanctionDemandDetails {
  @Required()
  @Actor()
  demandingParty: string;

  @Required()
  @NestedList(() => SanctionDto, { min: 1, max: LIMITS.sanctions })
  sanctions: SanctionDto[];

  @Required()
  @OneOf(SANCTION_DEMANDS)
  demand: SanctionDemand;

  @Optional()
  @Nested(() => SanctionConditionDto)
  condition?: SanctionConditionDto;
}
