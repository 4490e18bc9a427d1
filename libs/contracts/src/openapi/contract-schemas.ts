import { getMetadataStorage, ValidationTypes } from 'class-validator';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { COUNTRY_CODES } from '../country-codes';
import { BatchEnvelopeDto } from '../dto/batch-envelope.dto';
import { CasualtyDetailsDto } from '../dto/casualty-details.dto';
import { CeasefireViolationDetailsDto } from '../dto/ceasefire-violation-details.dto';
import { CorrectionDto } from '../dto/correction.dto';
import { CountEstimateDto } from '../dto/count-estimate.dto';
import { DeploymentDetailsDto, EquipmentDto } from '../dto/deployment-details.dto';
import { LocationDto } from '../dto/location.dto';
import { ReportDto } from '../dto/report.dto';
import { RetractionDto } from '../dto/retraction.dto';
import {
  SanctionConditionDto,
  SanctionDemandDetailsDto,
  SanctionDto,
} from '../dto/sanction-demand-details.dto';
import { SourceDto } from '../dto/source.dto';
import { CUSTOM_CONSTRAINTS } from '../validation/contract-decorators';
import { nestedFieldOf } from '../validation/nested-fields';

const REF_PREFIX = '#/components/schemas/';

const CONTRACT_DTOS = [
  ReportDto,
  SourceDto,
  LocationDto,
  CountEstimateDto,
  DeploymentDetailsDto,
  EquipmentDto,
  CasualtyDetailsDto,
  CeasefireViolationDetailsDto,
  SanctionDemandDetailsDto,
  SanctionDto,
  SanctionConditionDto,
  CorrectionDto,
  RetractionDto,
  BatchEnvelopeDto,
];

/** The request bodies, by the schema name the HTTP layer refers to. */
export const CONTRACT_SCHEMA_NAMES = {
  report: ReportDto.name,
  batchEnvelope: BatchEnvelopeDto.name,
  correction: CorrectionDto.name,
  retraction: RetractionDto.name,
  /** A report as the lists answer it: the report with corrections applied, and its version. */
  storedReport: 'StoredReport',
} as const;

type Converter = (meta: { target: unknown; propertyName: string; each?: boolean }) => object;

const SLUG_SCHEMA = { pattern: '^[a-z0-9-]{2,64}$' };

/**
 * How our own rules read in JSON Schema. The library's defaults cover class-validator's
 * built-in decorators; IS_DEFINED's `not: { type: 'null' }` is OpenAPI 3.1 only and
 * `required` says the same, and IsObject is implied by the $ref beside it.
 */
const CONVERTERS: Record<string, Converter | object> = {
  [ValidationTypes.IS_DEFINED]: {},
  isObject: {},
  isUrl: { type: 'string', format: 'uri' },
  [ValidationTypes.NESTED_VALIDATION]: (meta) => {
    const field =
      typeof meta.target === 'function' ? nestedFieldOf(meta.target, meta.propertyName) : undefined;
    return field ? { $ref: REF_PREFIX + field.type().name } : {};
  },
  [CUSTOM_CONSTRAINTS.isoDateTime]: { type: 'string', format: 'date-time' },
  [CUSTOM_CONSTRAINTS.countryCode]: { type: 'string', enum: [...COUNTRY_CODES].sort() },
  [CUSTOM_CONSTRAINTS.actor]: {
    type: 'string',
    description: `An upper-case ISO 3166-1 alpha-2 code for a state (e.g. RU; also EU, UN), or a slug (${SLUG_SCHEMA.pattern}) for anyone else.`,
    pattern: `^([A-Z]{2}|[a-z0-9-]{2,64})$`,
  },
  [CUSTOM_CONSTRAINTS.atMostBest]: { description: 'Not greater than best.' },
  [CUSTOM_CONSTRAINTS.atLeastBest]: { description: 'Not less than best.' },
  // Not expressible in JSON Schema; the field descriptions and the README say it.
  [CUSTOM_CONSTRAINTS.storableText]: {},
  [CUSTOM_CONSTRAINTS.storableInstant]: {},
};

let cached: Record<string, object> | undefined;

/**
 * OpenAPI 3 schema objects of the request bodies and everything they refer to, keyed by
 * class name, with `$ref`s to `#/components/schemas/<Name>`. Rules across fields (the date
 * rules, details by type, count order) are in descriptions; the validation functions are
 * the authority.
 */
export function contractSchemas(): Record<string, object> {
  if (cached === undefined) {
    const all = validationMetadatasToSchemas({
      classValidatorMetadataStorage: getMetadataStorage(),
      refPointerPrefix: REF_PREFIX,
      additionalConverters: CONVERTERS as never,
    });
    cached = {};
    for (const dto of CONTRACT_DTOS) {
      // Unknown fields are rejected, so say so.
      cached[dto.name] = { ...all[dto.name], additionalProperties: false };
    }
    const report = cached[ReportDto.name] as { properties?: object; required?: string[] };
    cached[CONTRACT_SCHEMA_NAMES.storedReport] = {
      ...report,
      description: 'A report as it stands (corrections applied) and its version',
      properties: {
        ...report.properties,
        version: { type: 'integer', minimum: 1, description: '1, then one more per correction' },
      },
      required: [...(report.required ?? []), 'version'],
    };
  }
  return structuredClone(cached);
}
