/**
 * The closed vocabularies and limits of docs/API.md. Lists are `as const` so that the plain
 * types, the validators and the OpenAPI enums all come from one place.
 */

export const REPORT_TYPES = [
  'deployment',
  'casualty',
  'ceasefire_violation',
  'sanction_demand',
] as const;
export type ReportType = (typeof REPORT_TYPES)[number];

/** How exact occurredAt is, as UCDP's date_prec. */
export const OCCURRED_PRECISIONS = ['hour', 'day', 'week', 'month'] as const;
export type OccurredPrecision = (typeof OCCURRED_PRECISIONS)[number];
export const DEFAULT_OCCURRED_PRECISION: OccurredPrecision = 'day';

export const SOURCE_KINDS = [
  'government',
  'military',
  'intelligence',
  'state_media',
  'media',
  'ngo',
  'osint',
  'other',
] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** Admiralty code: source reliability A (reliable) to F (cannot be judged). */
export const RELIABILITY_GRADES = ['A', 'B', 'C', 'D', 'E', 'F'] as const;
export type Reliability = (typeof RELIABILITY_GRADES)[number];

/** Admiralty code: information credibility 1 (confirmed) to 6 (cannot be judged). */
export type Credibility = 1 | 2 | 3 | 4 | 5 | 6;

export const LOCATION_PRECISIONS = ['exact', 'near', 'region', 'country', 'sea'] as const;
export type LocationPrecision = (typeof LOCATION_PRECISIONS)[number];

export const MOVEMENTS = ['arrival', 'buildup', 'withdrawal'] as const;
export type Movement = (typeof MOVEMENTS)[number];

export const EQUIPMENT_CATEGORIES = [
  'srbm',
  'cruise_missile',
  'mrl',
  'artillery',
  'armour',
  'aircraft',
  'drone',
  'air_defence',
  'ammunition',
  'other',
] as const;
export type EquipmentCategory = (typeof EQUIPMENT_CATEGORIES)[number];

export const CASUALTY_CATEGORIES = [
  'killed',
  'wounded',
  'killed_or_wounded',
  'captured',
  'missing',
] as const;
export type CasualtyCategory = (typeof CASUALTY_CATEGORIES)[number];

export const VIOLATION_MEANS = [
  'drone',
  'missile',
  'artillery',
  'ground_assault',
  'naval',
  'other',
] as const;
export type ViolationMeans = (typeof VIOLATION_MEANS)[number];

export const SANCTION_DEMANDS = ['lift', 'ease', 'impose'] as const;
export type SanctionDemand = (typeof SANCTION_DEMANDS)[number];

export const SANCTION_CONDITION_KINDS = ['precondition_for_ceasefire'] as const;
export type SanctionConditionKind = (typeof SANCTION_CONDITION_KINDS)[number];

export const REPORT_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
/** Theatres, ceasefires and non-state actors are slugs. */
export const SLUG_PATTERN = /^[a-z0-9-]{2,64}$/;

/**
 * Limits beyond docs/API.md's rules. They bound the work and the storage one request can
 * cause; each is well above any real report.
 */
export const LIMITS = {
  sourceName: 200,
  url: 2048,
  locationName: 200,
  equipmentDescription: 500,
  violationTarget: 200,
  violationDescription: 2000,
  sanctionTarget: 200,
  sanctionMeasure: 200,
  reason: 1000,
  equipmentItems: 50,
  sanctions: 50,
  /** Above any force, toll or stock of shells; keeps sums of counts far from overflow. */
  count: 1_000_000_000,
  batchReports: 1000,
  /** Field errors returned for one input; a hostile body cannot make a huge answer. */
  fieldErrors: 100,
} as const;

/** Clock rules of the envelope. */
export const OCCURRED_AFTER_REPORTED_MAX_MS = 24 * 60 * 60 * 1000;
export const REPORTED_AT_CLOCK_SKEW_MS = 5 * 60 * 1000;

export function isReportType(value: unknown): value is ReportType {
  return typeof value === 'string' && (REPORT_TYPES as readonly string[]).includes(value);
}
