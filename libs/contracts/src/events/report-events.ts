import type { ReportType } from '../report-vocabulary';
import type {
  CasualtyReport,
  CeasefireViolationReport,
  DeploymentReport,
  Report,
  ReportDetails,
  SanctionDemandReport,
} from '../report.types';

/**
 * The events of a report's stream (`report-<reportId>`), as plain data: a union
 * discriminated by `type`, in the manner of Emmett. Stored events and Kafka messages carry
 * these types and data; a change to a data shape needs a new schema version.
 */
export type ContractEvent<Type extends string, Data> = Readonly<{ type: Type; data: Data }>;

export const EVENT_TYPES = {
  DeploymentReported: 'DeploymentReported',
  CasualtyReported: 'CasualtyReported',
  CeasefireViolationReported: 'CeasefireViolationReported',
  SanctionDemandReported: 'SanctionDemandReported',
  ReportCorrected: 'ReportCorrected',
  ReportRetracted: 'ReportRetracted',
} as const;

export type ReportEventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

/** Version of each event's data shape, written to the stored event's metadata. */
export const EVENT_SCHEMA_VERSIONS: Readonly<Record<ReportEventType, number>> = {
  DeploymentReported: 1,
  CasualtyReported: 1,
  CeasefireViolationReported: 1,
  SanctionDemandReported: 1,
  ReportCorrected: 1,
  ReportRetracted: 1,
};

/** The first event of each report type's stream. */
export const REPORTED_EVENT_TYPES = {
  deployment: EVENT_TYPES.DeploymentReported,
  casualty: EVENT_TYPES.CasualtyReported,
  ceasefire_violation: EVENT_TYPES.CeasefireViolationReported,
  sanction_demand: EVENT_TYPES.SanctionDemandReported,
} as const satisfies Record<ReportType, ReportEventType>;

/** The Reported events carry the whole normalised report. */
export type DeploymentReported = ContractEvent<'DeploymentReported', DeploymentReport>;
export type CasualtyReported = ContractEvent<'CasualtyReported', CasualtyReport>;
export type CeasefireViolationReported = ContractEvent<
  'CeasefireViolationReported',
  CeasefireViolationReport
>;
export type SanctionDemandReported = ContractEvent<'SanctionDemandReported', SanctionDemandReport>;

export interface ReportCorrectedData {
  reportId: string;
  reportType: ReportType;
  theatre: string;
  /** The whole new details, replacing the old. */
  details: ReportDetails;
  /** The new occurredAt, or the unchanged one: always present. */
  occurredAt: string;
  reason: string;
}
export type ReportCorrected = ContractEvent<'ReportCorrected', ReportCorrectedData>;

export interface ReportRetractedData {
  reportId: string;
  reportType: ReportType;
  theatre: string;
  reason: string;
}
export type ReportRetracted = ContractEvent<'ReportRetracted', ReportRetractedData>;

export type ReportReportedEvent =
  DeploymentReported | CasualtyReported | CeasefireViolationReported | SanctionDemandReported;

export type ReportEvent = ReportReportedEvent | ReportCorrected | ReportRetracted;

const EVENT_TYPE_SET: ReadonlySet<string> = new Set(Object.values(EVENT_TYPES));
const REPORTED_EVENT_TYPE_SET: ReadonlySet<string> = new Set(Object.values(REPORTED_EVENT_TYPES));

export function isReportEvent(type: string): type is ReportEventType {
  return EVENT_TYPE_SET.has(type);
}

export function isReportedEvent(type: string): type is ReportReportedEvent['type'] {
  return REPORTED_EVENT_TYPE_SET.has(type);
}

/** The event that files a validated report. */
export function reportedEventFor(report: Report): ReportReportedEvent {
  return { type: REPORTED_EVENT_TYPES[report.type], data: report } as ReportReportedEvent;
}

export function reportStreamId(reportId: string): string {
  return `report-${reportId}`;
}
