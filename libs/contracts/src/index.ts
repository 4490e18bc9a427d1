// The public door of @cm/contracts: report shapes, their validation, events and topics.
// Pure TypeScript: no framework, database or broker imports, no I/O.

export {
  CASUALTY_CATEGORIES,
  DEFAULT_OCCURRED_PRECISION,
  EQUIPMENT_CATEGORIES,
  isReportType,
  LIMITS,
  LOCATION_PRECISIONS,
  MOVEMENTS,
  OCCURRED_AFTER_REPORTED_MAX_MS,
  OCCURRED_PRECISIONS,
  RELIABILITY_GRADES,
  REPORT_ID_PATTERN,
  REPORT_TYPES,
  REPORTED_AT_CLOCK_SKEW_MS,
  SANCTION_CONDITION_KINDS,
  SANCTION_DEMANDS,
  SLUG_PATTERN,
  SOURCE_KINDS,
  VIOLATION_MEANS,
} from './report-vocabulary';
export type {
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
export { COUNTRY_CODES, STATE_ACTOR_CODES } from './country-codes';
export type {
  Actor,
  BatchEnvelope,
  CasualtyDetails,
  CasualtyReport,
  CeasefireViolationDetails,
  CeasefireViolationReport,
  Correction,
  CountEstimate,
  DeploymentDetails,
  DeploymentReport,
  EquipmentItem,
  Report,
  ReportDetails,
  ReportDetailsByType,
  ReportEnvelope,
  ReportLocation,
  ReportOfType,
  ReportSource,
  Retraction,
  Sanction,
  SanctionCondition,
  SanctionDemandDetails,
  SanctionDemandReport,
} from './report.types';

export {
  validateBatchEnvelope,
  validateCorrection,
  validateReport,
  validateRetraction,
} from './validation/report.validation';
export type { ClockOptions } from './validation/report.validation';
export { ROOT_PATH } from './validation/validation-result';
export type { FieldError, ValidationResult } from './validation/validation-result';
export { normaliseIsoDateTime, parseIsoDateTime } from './validation/iso-date-time';
export {
  EARLIEST_INSTANT,
  EARLIEST_INSTANT_MESSAGE,
  findUnstorableText,
  isStorableInstant,
  isStorableText,
  parseStorableDateTime,
  STORABLE_TEXT_MESSAGE,
} from './validation/storable-values';
export { canonicalJson } from './canonical-json';

export {
  EVENT_SCHEMA_VERSIONS,
  EVENT_TYPES,
  isReportedEvent,
  isReportEvent,
  REPORTED_EVENT_TYPES,
  reportedEventFor,
  reportStreamId,
} from './events/report-events';
export type {
  CasualtyReported,
  CeasefireViolationReported,
  ContractEvent,
  DeploymentReported,
  ReportCorrected,
  ReportCorrectedData,
  ReportEvent,
  ReportEventType,
  ReportReportedEvent,
  ReportRetracted,
  ReportRetractedData,
  SanctionDemandReported,
} from './events/report-events';
export { KAFKA_CONTENT_TYPE, KAFKA_HEADERS, TOPICS } from './kafka-topics';
export type { ReportEventMessage, Topic } from './kafka-topics';

export { CONTRACT_SCHEMA_NAMES, contractSchemas } from './openapi/contract-schemas';
