export { AlerterModule } from './alerter.module';
export { ACTIVE_RULES, ActiveRulesModule } from './rules/active-rules.module';
export type { ActiveRules } from './rules/active-rules.module';
export { loadRulesDirectory, RulesDirectoryError } from './rules/rules-directory';
