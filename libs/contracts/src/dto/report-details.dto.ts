import { IsObject, ValidateNested } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import type { ReportType } from '../report-vocabulary';
import { CasualtyDetailsDto } from './casualty-details.dto';
import { CeasefireViolationDetailsDto } from './ceasefire-violation-details.dto';
import type { DtoClass } from '../validation/nested-fields';
import { DeploymentDetailsDto } from './deployment-details.dto';
import { SanctionDemandDetailsDto } from './sanction-demand-details.dto';

/** `details` is validated against the class its report's `type` names. */
export const DETAILS_DTO_BY_TYPE: Readonly<Record<ReportType, DtoClass>> = {
  deployment: DeploymentDetailsDto,
  casualty: CasualtyDetailsDto,
  ceasefire_violation: CeasefireViolationDetailsDto,
  sanction_demand: SanctionDemandDetailsDto,
};

/** For OpenAPI: `details` is one of these, chosen by the report's `type`. */
export const DETAILS_SCHEMA = {
  description:
    'By `type`: deployment → DeploymentDetailsDto, casualty → CasualtyDetailsDto, ceasefire_violation → CeasefireViolationDetailsDto, sanction_demand → SanctionDemandDetailsDto.',
  oneOf: Object.values(DETAILS_DTO_BY_TYPE).map((type) => ({
    $ref: `#/components/schemas/${type.name}`,
  })),
};

/**
 * A `details` property. Its class is chosen by the report's type, not declared here: the
 * validation functions check it against DETAILS_DTO_BY_TYPE (see report.validation.ts).
 */
export function DetailsByType(
  description = DETAILS_SCHEMA.description,
): (target: object, property: string) => void {
  return (target, property) => {
    JSONSchema({ ...DETAILS_SCHEMA, description })(target, property);
    ValidateNested()(target, property);
    IsObject({ message: 'must be an object' })(target, property);
  };
}
