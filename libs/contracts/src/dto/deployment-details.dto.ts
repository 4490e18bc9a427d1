import { JSONSchema } from 'class-validator-jsonschema';
import { ValidateIf } from 'class-validator';
import {
  EQUIPMENT_CATEGORIES,
  EquipmentCategory,
  LIMITS,
  Movement,
  MOVEMENTS,
} from '../report-vocabulary';
import type { DeploymentDetails, EquipmentItem } from '../report.types';
import {
  Actor,
  Nested,
  NestedList,
  OneOf,
  Optional,
  Required,
  Text,
} from '../validation/contract-decorators';
import { CountEstimateDto } from './count-estimate.dto';

export class EquipmentDto implements EquipmentItem {
  @Required()
  @OneOf(EQUIPMENT_CATEGORIES)
  category: EquipmentCategory;

  @Optional()
  @Nested(() => CountEstimateDto)
  quantity?: CountEstimateDto;

  @Optional()
  @Text(LIMITS.equipmentDescription)
  description?: string;
}

/** Forces (and what they bring) arriving, building up or withdrawing. */
@JSONSchema({
  description: 'At least one of personnel or equipment.',
  anyOf: [{ required: ['personnel'] }, { required: ['equipment'] }],
})
export class DeploymentDetailsDto implements DeploymentDetails {
  @Required()
  @Actor()
  actor: string;

  @Optional()
  @Actor()
  supporting?: string;

  @Required()
  @OneOf(MOVEMENTS)
  movement: Movement;

  // Required only when there is no equipment: a deployment of nothing says nothing.
  @ValidateIf(
    (details: DeploymentDetailsDto) => details.personnel != null || details.equipment == null,
  )
  @Required('is required when there is no equipment (give personnel, equipment or both)')
  @Nested(() => CountEstimateDto)
  personnel?: CountEstimateDto;

  @Optional()
  @NestedList(() => EquipmentDto, { min: 1, max: LIMITS.equipmentItems })
  equipment?: EquipmentDto[];
}
