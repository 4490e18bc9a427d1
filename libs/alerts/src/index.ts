// The public door of @cm/alerts: the alert domain (stored alert, lifecycle), its PostgreSQL
// store, the journal reader, the open-alert counts and the active rules. The alerter process
// writes engine steps through it, the query app users' steps, the stream and the relay read it.
export { ACTIVE_RULES, ActiveRulesModule } from './rules/active-rules.module';
export type { ActiveRules } from './rules/active-rules.module';
export { loadRulesDirectory, RulesDirectoryError } from './rules/rules-directory';
export { checkRulesConfig } from './rules/rules-config-check';
export {
  findAlert,
  listAlerts,
  lockAlerts,
  recordUserAction,
  writeLifecycleSteps,
} from './alert-store';
export type { AlertFilter, KnownEvidence, WrittenChange } from './alert-store';
export { ALERTS_CHANNEL, alertJournal } from './alert-journal';
export type { JournalEntry } from './alert-journal';
export { addOpenAlertCounts, OPEN_ALERT_COUNTS_TABLE, openAlertsAsOf } from './open-alert-counts';
export type { Queryable } from './queryable';
export { applyEngineVerdict, applyUserAction, engineSteps } from './domain/alert-lifecycle';
export type {
  EngineVerdict,
  LifecycleStep,
  UserAction,
  UserActionOutcome,
} from './domain/alert-lifecycle';
export { alertView, isUnresolved } from './domain/stored-alert';
export type { AlertChangeKind, AlertView, StoredAlert } from './domain/stored-alert';
