import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRuleFiles } from './rule-file.parser';

const RULES_DIR = join(__dirname, '../../../infra/rules');

const ceasefireYaml = `# two rules in one file
- id: ceasefire-breakdown
  kind: threshold
  description: violations by both sides
  severity: critical
  cooldown: 72h
  match:
    type: ceasefire_violation
  window:
    duration: 3 days
  require:
    count: { atLeast: 3 }
  summary: "{{count}} violations"

- id: quiet
  kind: threshold
  description: any violation
  severity: low
  cooldown: 1d
  match: { type: ceasefire_violation }
  require: { count: { atLeast: 1 } }
  summary: "{{evidence}}"
`;

describe('parseRuleFiles', () => {
  it('given the default rule files, then they hold the six rules of the contract', () => {
    const files = readdirSync(RULES_DIR)
      .filter((name) => name.endsWith('.yaml'))
      .map((name) => ({ name, content: readFileSync(join(RULES_DIR, name), 'utf8') }));
    const result = parseRuleFiles(files);
    expect(result.ok && result.rules.map((rule) => rule.id).sort()).toEqual([
      'casualty-spike',
      'ceasefire-breakdown',
      'foreign-reinforcement',
      'heavy-weapons-transfer',
      'reinforcement-during-ceasefire',
      'sanctions-precondition',
    ]);
  });

  it('given a bad field, then the error names the file, the rule, the field and its line', () => {
    const result = parseRuleFiles([{ name: 'infra/rules/ceasefire.yaml', content: ceasefireYaml }]);
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          file: 'infra/rules/ceasefire.yaml',
          rule: 'ceasefire-breakdown',
          path: 'window.duration',
          line: 10,
          message: 'must be a duration such as 30m, 72h, 7d or 2w',
        },
      ],
    });
  });

  it('given a missing field, then the line is the rule that lacks it', () => {
    const content = ceasefireYaml
      .replace('duration: 3 days', 'duration: 72h')
      .replace('  severity: low\n', '');
    const result = parseRuleFiles([{ name: 'c.yaml', content }]);
    expect(!result.ok && result.errors).toEqual([
      { file: 'c.yaml', rule: 'quiet', path: 'severity', line: 15, message: 'is required' },
    ]);
  });

  it('given a rule without a usable id, then it is named by its place in the file', () => {
    const content = ceasefireYaml.replace('id: quiet', 'id: 7');
    const result = parseRuleFiles([{ name: 'c.yaml', content }]);
    expect(!result.ok && result.errors.map((error) => [error.rule, error.path])).toEqual([
      ['ceasefire-breakdown', 'window.duration'],
      [undefined, '1.id'],
    ]);
  });

  it('given the same id in two files, then the second is an error naming the first file', () => {
    const content = ceasefireYaml.replace('duration: 3 days', 'duration: 72h');
    const result = parseRuleFiles([
      { name: 'a.yaml', content },
      { name: 'b.yaml', content: content.split('\n\n')[1] },
    ]);
    expect(!result.ok && result.errors).toEqual([
      {
        file: 'b.yaml',
        rule: 'quiet',
        path: 'id',
        line: 1,
        message: 'duplicates the id of a rule in a.yaml',
      },
    ]);
  });

  it('given YAML that does not parse, or an empty file, then the file is named', () => {
    const result = parseRuleFiles([
      { name: 'broken.yaml', content: 'id: x\n  kind: [threshold\n' },
      { name: 'empty.yaml', content: '# nothing yet\n' },
    ]);
    expect(
      !result.ok &&
        result.errors.map((error) => [error.file, error.path, error.message.slice(0, 20)]),
    ).toEqual([
      ['broken.yaml', '', 'is not valid YAML: N'],
      ['empty.yaml', '', 'holds no rule'],
    ]);
  });

  it('given a single rule as a mapping, then it is one rule', () => {
    const single = ceasefireYaml
      .split('\n\n')[1]
      .replace(/^- /, '')
      .replace(/\n {2}/g, '\n');
    const result = parseRuleFiles([{ name: 'quiet.yaml', content: single }]);
    expect(result.ok && result.rules.map((rule) => rule.id)).toEqual(['quiet']);
  });
});
