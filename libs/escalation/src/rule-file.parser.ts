import { isCollection, LineCounter, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import type { Rule, RuleFileError } from './rule.types';
import { MAX_ERRORS, MAX_RULES, validateRule } from './rule.validation';

export interface RuleFile {
  /** Shown in errors: the path the caller read it from, e.g. `infra/rules/ceasefire.yaml`. */
  name: string;
  content: string;
}

export type RuleFilesResult = { ok: true; rules: Rule[] } | { ok: false; errors: RuleFileError[] };

/**
 * Parses and validates rule files (YAML, so JSON too). A file holds one rule (a mapping) or
 * several (a list). Errors name the file, the rule id and the field's path from the rule
 * (`window.duration`), with the line when the field is in the file; a rule without a usable id
 * is named by its place in the file's list (`2.window.duration`). Pure: the caller reads the
 * files (the alerter from RULES_DIR) and passes their text.
 */
export function parseRuleFiles(files: readonly RuleFile[]): RuleFilesResult {
  const errors: RuleFileError[] = [];
  const rules: Rule[] = [];
  const firstFileOf = new Map<string, string>();
  for (const file of files) {
    const lines = new LineCounter();
    const document = parseDocument(file.content, { lineCounter: lines, prettyErrors: false });
    if (document.errors.length) {
      // The first error is the one to fix; the ones after it are mostly its echoes.
      const [error] = document.errors;
      errors.push({
        file: file.name,
        path: '',
        line: lines.linePos(error.pos[0]).line,
        message: `is not valid YAML: ${error.message.split('\n')[0]}`,
      });
      continue;
    }
    const content: unknown = document.toJS({ maxAliasCount: 100 });
    const isList = Array.isArray(content);
    const items: unknown[] = isList ? content : [content];
    if (content === null || content === undefined || (isList && items.length === 0)) {
      errors.push({ file: file.name, path: '', message: 'holds no rule' });
      continue;
    }
    items.forEach((item, index) => {
      const listPath = isList ? [index] : [];
      const result = validateRule(item);
      if (!result.ok) {
        for (const error of result.errors) {
          const path =
            error.rule === undefined && isList ? join(String(index), error.path) : error.path;
          const line = lineOf(document, lines, [...listPath, ...segments(error.path)]);
          errors.push({ file: file.name, ...error, path, ...(line ? { line } : {}) });
        }
        return;
      }
      const id = result.rule.id;
      const first = firstFileOf.get(id);
      if (first !== undefined) {
        const line = lineOf(document, lines, [...listPath, 'id']);
        errors.push({
          file: file.name,
          rule: id,
          path: 'id',
          ...(line ? { line } : {}),
          message: `duplicates the id of a rule in ${first}`,
        });
        return;
      }
      firstFileOf.set(id, file.name);
      rules.push(result.rule);
    });
  }
  if (!errors.length && rules.length > MAX_RULES) {
    errors.push({ file: files[0]?.name ?? '', path: '', message: `more than ${MAX_RULES} rules` });
  }
  return errors.length ? { ok: false, errors: errors.slice(0, MAX_ERRORS) } : { ok: true, rules };
}

const join = (parent: string, key: string): string => (key === '' ? parent : `${parent}.${key}`);

function segments(path: string): (string | number)[] {
  if (path === '') return [];
  return path.split('.').map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

/** The line of the deepest node on `path` that the file has (the field, or its parent). */
function lineOf(
  document: Document,
  lines: LineCounter,
  path: (string | number)[],
): number | undefined {
  for (let length = path.length; length >= 0; length--) {
    const node = length === 0 ? document.contents : document.getIn(path.slice(0, length), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range && (length === path.length || isCollection(node))) {
      return lines.linePos(range[0]).line;
    }
  }
  return undefined;
}
