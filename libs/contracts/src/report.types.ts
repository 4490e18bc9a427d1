import type {
  CasualtyCategory,
  Credibility,
  EquipmentCategory,
  LocationPrecision,
  Movement,
  OccurredPrecision,
  Reliability,
  ReportType,
  SanctionConditionKind,
  SanctionDemand,
  SourceKind,
  ViolationMeans,
} from './report-vocabulary';

/**
 * The plain shapes validation returns and events carry. Absent optional fields are absent
 * (never null), dates are normalised ISO strings: see README.md.
 */

/** An estimate as UCDP gives one: 0 <= low <= best <= high. */
export interface CountEstimate {
  low?: number;
  best: number;
  high?: number;
}

export interface ReportSource {
  name: string;
  kind: SourceKind;
  reliability: Reliability;
  credibility: Credibility;
  url?: string;
}

export interface ReportLocation {
  name: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  lat: number;
  lon: number;
  precision: LocationPrecision;
}

/** An ISO 3166-1 alpha-2 code for a state (`RU`), or a slug for anyone else (`wagner-group`). */
export type Actor = string;

export interface EquipmentItem {
  category: EquipmentCategory;
  quantity?: CountEstimate;
  description?: string;
}

export interface DeploymentDetails {
  /** Whose forces. */
  actor: Actor;
  /** The party they fight for, when not themselves. */
  supporting?: Actor;
  movement: Movement;
  personnel?: CountEstimate;
  equipment?: EquipmentItem[];
}

export interface CasualtyDetails {
  party: Actor;
  category: CasualtyCategory;
  civilian: boolean;
  count: CountEstimate;
  /** A running total since the war began, superseding the source's earlier total. */
  cumulative: boolean;
}

export interface CeasefireViolationDetails {
  /** Slug of the agreement, e.g. `black-sea-maritime`. */
  ceasefire: string;
  accusedParty: Actor;
  accusingParty: Actor;
  means: ViolationMeans;
  target?: string;
  description?: string;
}

export interface Sanction {
  imposedBy: Actor;
  target: string;
  measure: string;
}

export interface SanctionCondition {
  kind: SanctionConditionKind;
  ceasefire: string;
}

export interface SanctionDemandDetails {
  demandingParty: Actor;
  sanctions: Sanction[];
  demand: SanctionDemand;
  condition?: SanctionCondition;
}

/** The details of each report type. */
export interface ReportDetailsByType {
  deployment: DeploymentDetails;
  casualty: CasualtyDetails;
  ceasefire_violation: CeasefireViolationDetails;
  sanction_demand: SanctionDemandDetails;
}

export type ReportDetails<T extends ReportType = ReportType> = ReportDetailsByType[T];

export interface ReportEnvelope<T extends ReportType> {
  reportId: string;
  type: T;
  theatre: string;
  /** Event time, normalised to `toISOString()`. */
  occurredAt: string;
  occurredPrecision: OccurredPrecision;
  /** When the source published it, normalised to `toISOString()`. */
  reportedAt: string;
  source: ReportSource;
  location?: ReportLocation;
  details: ReportDetailsByType[T];
}

export type DeploymentReport = ReportEnvelope<'deployment'>;
export type CasualtyReport = ReportEnvelope<'casualty'>;
export type CeasefireViolationReport = ReportEnvelope<'ceasefire_violation'>;
export type SanctionDemandReport = ReportEnvelope<'sanction_demand'>;

/** A validated, normalised report: a union discriminated by `type`. */
export type Report =
  DeploymentReport | CasualtyReport | CeasefireViolationReport | SanctionDemandReport;

export type ReportOfType<T extends ReportType> = Extract<Report, { type: T }>;

/** New details (and maybe occurredAt) for a report at the version the client last saw. */
export interface Correction<T extends ReportType = ReportType> {
  expectedVersion: number;
  details: ReportDetails<T>;
  occurredAt?: string;
  reason: string;
}

/** Without expectedVersion, a retraction applies to whatever version is current. */
export interface Retraction {
  expectedVersion?: number;
  reason: string;
}

export interface BatchEnvelope {
  /** Each item is validated on its own with validateReport. */
  reports: unknown[];
}
