import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadRulesDirectory, RulesDirectoryError } from './rules-directory';

describe('loadRulesDirectory', () => {
  const dirs: string[] = [];
  const folder = (files: Record<string, string>): string => {
    const dir = mkdtempSync(join(tmpdir(), 'cm-rules-'));
    dirs.push(dir);
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    return dir;
  };
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })), 120_000);

  it('reads the default rule set of infra/rules', async () => {
    const rules = await loadRulesDirectory(resolve(__dirname, '../../../../infra/rules'));
    expect(rules.map((rule) => rule.id).sort()).toEqual([
      'casualty-spike',
      'ceasefire-breakdown',
      'foreign-reinforcement',
      'heavy-weapons-transfer',
      'reinforcement-during-ceasefire',
      'sanctions-precondition',
    ]);
  });

  it('names the file, the rule and the field of an invalid rule', async () => {
    const dir = folder({
      'a.yaml': [
        'id: too-many',
        'kind: threshold',
        'severity: apocalyptic',
        'summary: x',
        'cooldown: 1d',
        'match: { type: casualty }',
        'window: 1d',
        'atLeast: { count: 2 }',
      ].join('\n'),
      'notes.txt': 'ignored',
    });
    const error = await loadRulesDirectory(dir).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RulesDirectoryError);
    const { errors, message } = error as RulesDirectoryError;
    expect(errors.some((e) => e.rule === 'too-many' && e.path === 'severity')).toBe(true);
    expect(message).toMatch(/a\.yaml:3 rule too-many field severity/);
  });

  it('refuses a folder without rule files', async () => {
    await expect(loadRulesDirectory(folder({ 'readme.md': '#' }))).rejects.toThrow(
      /holds no rule file/,
    );
    await expect(loadRulesDirectory(join(tmpdir(), 'cm-no-such-folder'))).rejects.toThrow(
      /cannot be read/,
    );
  });
});
