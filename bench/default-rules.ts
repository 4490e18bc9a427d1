import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRuleFiles, type Rule } from '@cm/escalation';

/** The rules the monitor ships (infra/rules, copied beside dist/bench by the build). */
export function defaultRules(): Rule[] {
  const rulesDir = join(__dirname, '../infra/rules');
  const parsed = parseRuleFiles(
    readdirSync(rulesDir)
      .filter((name) => name.endsWith('.yaml'))
      .map((name) => ({ name, content: readFileSync(join(rulesDir, name), 'utf8') })),
  );
  if (!parsed.ok) throw new Error(`rules: ${JSON.stringify(parsed.errors)}`);
  return parsed.rules;
}
