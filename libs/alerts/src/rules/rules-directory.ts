import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseRuleFiles } from '@cm/escalation';
import type { Rule, RuleFileError } from '@cm/escalation';

const RULE_FILE = /\.(ya?ml|json)$/i;

/** Rule files that do not validate: the message names each file, rule, field and line. */
export class RulesDirectoryError extends Error {
  readonly code = 'ALERTER.INVALID_RULES';
  constructor(
    readonly dir: string,
    readonly errors: readonly RuleFileError[],
  ) {
    super(
      `RULES_DIR ${dir}: ${errors.length ? '' : 'holds no rule file (*.yaml, *.yml, *.json)'}${errors
        .map(
          (error) =>
            `\n  ${error.file}${error.line ? `:${error.line}` : ''}` +
            `${error.rule ? ` rule ${error.rule}` : ''}` +
            `${error.path ? ` field ${error.path}` : ''}: ${error.message}`,
        )
        .join('')}`,
    );
    this.name = 'RulesDirectoryError';
  }
}

/**
 * Reads and validates every rule file of `dir` (YAML or JSON, in file-name order, so rule order
 * and the engine's snapshot fingerprint are the same on every start).
 * @throws RulesDirectoryError when a file does not validate or the folder holds none.
 */
export async function loadRulesDirectory(dir: string): Promise<Rule[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => RULE_FILE.test(name)).sort();
  } catch (error) {
    throw new RulesDirectoryError(dir, [
      { file: dir, path: '', message: `cannot be read: ${(error as Error).message}` },
    ]);
  }
  if (names.length === 0) throw new RulesDirectoryError(dir, []);
  const files = await Promise.all(
    names.map(async (name) => ({
      name: relative(process.cwd(), join(dir, name)) || name,
      content: await readFile(join(dir, name), 'utf8'),
    })),
  );
  const result = parseRuleFiles(files);
  if (!result.ok) throw new RulesDirectoryError(dir, result.errors);
  return result.rules;
}
