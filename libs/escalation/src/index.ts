// The public door of @cm/escalation: the rule engine. Plain TypeScript: no framework, database,
// file or network access, and no clock (event time comes from the reports, recorded time from
// the events). See README.md for how the alerter and the backtest use it.

export { EscalationEngine, DEFAULT_LATENESS } from './escalation-engine';
export type { EngineOptions } from './escalation-engine';
export type { EngineEvent, SkipReason } from './report-event';
export { backtest, backtestAsync, foldAlertChanges } from './backtest';
export type { BacktestOptions } from './backtest';
export { parseRuleFiles } from './rule-file.parser';
export type { RuleFile, RuleFilesResult } from './rule-file.parser';
export { parseRules } from './rule.validation';
export { RuleSetError } from './compiled-rules';
export { SnapshotMismatchError, SNAPSHOT_FORMAT, SNAPSHOT_VERSION } from './engine-snapshot';
export type { EngineSnapshot, TheatreSnapshot } from './engine-snapshot';
export type { Alert, AlertChange, AlertEvidence, AlertStatus } from './alert.types';
export { RULE_KINDS, SEVERITIES } from './rule.types';
export type {
  AllOfCondition,
  AnyOfCondition,
  AtLeast,
  CoOccurrenceConstraint,
  CoOccurrenceRule,
  Condition,
  Duration,
  FieldCondition,
  FieldPath,
  ReportPattern,
  Rule,
  RuleError,
  RuleFileError,
  RuleKind,
  Scalar,
  Severity,
  SpikeRule,
  ThresholdRule,
} from './rule.types';
