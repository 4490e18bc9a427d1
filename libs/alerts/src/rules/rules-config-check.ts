import { loadRulesDirectory, RulesDirectoryError } from './rules-directory';

/**
 * RULES_DIR's rules validated before anything starts, so a wrong rule is reported with
 * the other configuration mistakes (exit 78) rather than after the database started.
 */
export async function checkRulesConfig(context: {
  rulesDir: string;
}): Promise<{ variable: string; message: string }[]> {
  try {
    await loadRulesDirectory(context.rulesDir);
    return [];
  } catch (error) {
    if (!(error instanceof RulesDirectoryError)) throw error;
    return [{ variable: 'RULES_DIR', message: error.message.replace(/^RULES_DIR /, '') }];
  }
}
