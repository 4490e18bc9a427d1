export { AlerterModule } from './alerter.module';
export { AlerterService } from './alerter.service';
export { Alerter, ALERTER_SUBSCRIPTION } from './alerter';
export type { AlerterOptions } from './alerter';
export { ACTIVE_RULES, ActiveRulesModule } from './rules/active-rules.module';
export type { ActiveRules } from './rules/active-rules.module';
export { loadRulesDirectory, RulesDirectoryError } from './rules/rules-directory';
export { checkRulesConfig } from './rules/rules-config-check';
export {
  ALERT_SELECT,
  ALERTS_CHANNEL,
  findAlert,
  lockAlerts,
  storedAlertOf,
  writeLifecycleSteps,
} from './alerts/alert-store';
export type { AlertRow, WrittenChange } from './alerts/alert-store';
export { applyUserAction } from './alerts/domain/alert-lifecycle';
export type { UserAction, UserActionOutcome } from './alerts/domain/alert-lifecycle';
export { alertView } from './alerts/domain/stored-alert';
export type { AlertChangeKind, AlertView, StoredAlert } from './alerts/domain/stored-alert';
