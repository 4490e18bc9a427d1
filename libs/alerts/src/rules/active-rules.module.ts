import { Module } from '@nestjs/common';
import type { Provider } from '@nestjs/common';
import type { Rule } from '@cm/escalation';
import { APP_CONFIG } from '@cm/platform';
import type { AppConfig } from '@cm/platform';
import { loadRulesDirectory } from './rules-directory';

/** The validated rules of RULES_DIR, read once at start-up: `Inject(ACTIVE_RULES)`. */
export const ACTIVE_RULES = Symbol('ACTIVE_RULES');

/** What ACTIVE_RULES holds. */
export interface ActiveRules {
  /** The folder they were read from (RULES_DIR, absolute). */
  readonly dir: string;
  readonly rules: readonly Rule[];
}

const activeRulesProvider: Provider = {
  provide: ACTIVE_RULES,
  // A rule file that does not validate stops start-up with the file, rule and field named.
  useFactory: async (config: AppConfig): Promise<ActiveRules> => ({
    dir: config.rulesDir,
    rules: await loadRulesDirectory(config.rulesDir),
  }),
  inject: [APP_CONFIG],
};

/** The active rules for the alerter and for the rule calls of the query app. */
@Module({ providers: [activeRulesProvider], exports: [ACTIVE_RULES] })
export class ActiveRulesModule {}
