import {
  CASUALTY_CATEGORIES,
  EQUIPMENT_CATEGORIES,
  LOCATION_PRECISIONS,
  MOVEMENTS,
  OCCURRED_PRECISIONS,
  RELIABILITY_GRADES,
  REPORT_TYPES,
  SANCTION_CONDITION_KINDS,
  SANCTION_DEMANDS,
  SOURCE_KINDS,
  VIOLATION_MEANS,
} from '@cm/contracts';
import type { ReportType } from '@cm/contracts';

/**
 * The report fields a rule may name, by report type, with what their values are. A rule that
 * names a field no report has (`details.personel.best`) would never fire and nobody would
 * notice; checking paths here turns that into an error at start-up.
 */
export type FieldKind =
  | { kind: 'string' }
  | { kind: 'number' }
  | { kind: 'boolean' }
  | { kind: 'enum'; values: readonly string[] }
  /** An object or a list of objects: only `exists` applies. */
  | { kind: 'object' };

const string: FieldKind = { kind: 'string' };
const number: FieldKind = { kind: 'number' };
const boolean: FieldKind = { kind: 'boolean' };
const object: FieldKind = { kind: 'object' };
const oneOf = (values: readonly string[]): FieldKind => ({ kind: 'enum', values });

function countEstimate(path: string): Record<string, FieldKind> {
  return {
    [path]: object,
    [`${path}.low`]: number,
    [`${path}.best`]: number,
    [`${path}.high`]: number,
  };
}

/** Fields every report has; corrections cannot change them. */
const ENVELOPE_FIELDS: Record<string, FieldKind> = {
  occurredPrecision: oneOf(OCCURRED_PRECISIONS),
  source: object,
  'source.name': string,
  'source.kind': oneOf(SOURCE_KINDS),
  'source.reliability': oneOf(RELIABILITY_GRADES),
  'source.credibility': number,
  'source.url': string,
  location: object,
  'location.name': string,
  'location.country': string,
  'location.lat': number,
  'location.lon': number,
  'location.precision': oneOf(LOCATION_PRECISIONS),
  details: object,
};

const DETAILS_FIELDS: Record<ReportType, Record<string, FieldKind>> = {
  deployment: {
    'details.actor': string,
    'details.supporting': string,
    'details.movement': oneOf(MOVEMENTS),
    ...countEstimate('details.personnel'),
    'details.equipment': object,
    'details.equipment.category': oneOf(EQUIPMENT_CATEGORIES),
    ...countEstimate('details.equipment.quantity'),
    'details.equipment.description': string,
  },
  casualty: {
    'details.party': string,
    'details.category': oneOf(CASUALTY_CATEGORIES),
    'details.civilian': boolean,
    ...countEstimate('details.count'),
    'details.cumulative': boolean,
  },
  ceasefire_violation: {
    'details.ceasefire': string,
    'details.accusedParty': string,
    'details.accusingParty': string,
    'details.means': oneOf(VIOLATION_MEANS),
    'details.target': string,
    'details.description': string,
  },
  sanction_demand: {
    'details.demandingParty': string,
    'details.sanctions': object,
    'details.sanctions.imposedBy': string,
    'details.sanctions.target': string,
    'details.sanctions.measure': string,
    'details.demand': oneOf(SANCTION_DEMANDS),
    'details.condition': object,
    'details.condition.kind': oneOf(SANCTION_CONDITION_KINDS),
    'details.condition.ceasefire': string,
  },
};

/**
 * What `path` holds in reports of `types` (every type when empty), or undefined when none of
 * them has it. Where two types both have it, the first type's description is used.
 */
export function fieldKind(path: string, types: readonly ReportType[]): FieldKind | undefined {
  if (Object.hasOwn(ENVELOPE_FIELDS, path)) return ENVELOPE_FIELDS[path];
  for (const type of types.length ? types : REPORT_TYPES) {
    if (Object.hasOwn(DETAILS_FIELDS[type], path)) return DETAILS_FIELDS[type][path];
  }
  return undefined;
}

/** Whether a correction, which carries new details, can change the field. */
export function isDetailsField(path: string): boolean {
  return path === 'details' || path.startsWith('details.');
}
