import type { RuleKind } from './rule.types';

/**
 * Summary templates: text with `{{variable}}` or `{{function:field.path}}` placeholders,
 * filled from an alert's evidence so that the summary names it. The variables are documented
 * in docs/RULES.md.
 */
export type TemplatePart = string | TemplateVariable;

export interface TemplateVariable {
  name: string;
  /** For the functions over evidence (`sum`, `max`, `distinct`, `values`). */
  path?: string;
}

/** Variables every rule kind can use. */
const COMMON_VARIABLES = ['rule', 'theatre', 'count', 'evidence', 'windowStart', 'windowEnd'];
const KIND_VARIABLES: Record<RuleKind, string[]> = {
  threshold: [],
  spike: ['recent', 'baselineMean', 'ratio'],
  'co-occurrence': ['a', 'b'],
};
export const TEMPLATE_FUNCTIONS = ['sum', 'max', 'distinct', 'values'] as const;

const PLACEHOLDER = /\{\{\s*([A-Za-z]+)(?::([^\s{}]+))?\s*\}\}/g;

export interface ParsedTemplate {
  parts: TemplatePart[];
  /** Paths named by functions, for the caller to check against the rule's report types. */
  paths: string[];
  errors: string[];
}

export function parseTemplate(text: string, kind: RuleKind): ParsedTemplate {
  const parts: TemplatePart[] = [];
  const paths: string[] = [];
  const errors: string[] = [];
  const variables = [...COMMON_VARIABLES, ...KIND_VARIABLES[kind]];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const [whole, name, path] = match;
    const index = match.index;
    if (index > last) parts.push(text.slice(last, index));
    last = index + whole.length;
    if (path !== undefined) {
      if (!(TEMPLATE_FUNCTIONS as readonly string[]).includes(name)) {
        errors.push(
          `{{${name}:...}} is not a function; use one of ${TEMPLATE_FUNCTIONS.join(', ')}`,
        );
      } else {
        paths.push(path);
      }
      parts.push({ name, path });
    } else if (!variables.includes(name)) {
      errors.push(
        (TEMPLATE_FUNCTIONS as readonly string[]).includes(name)
          ? `{{${name}}} needs a field: {{${name}:details.some.field}}`
          : `{{${name}}} is not a variable of a ${kind} rule; use one of ${variables.join(', ')}`,
      );
      parts.push({ name });
    } else {
      parts.push({ name });
    }
  }
  if (last < text.length) parts.push(text.slice(last));
  // Whatever is left of a brace pair did not parse as a placeholder.
  const leftover = text.replace(PLACEHOLDER, '');
  if (leftover.includes('{{') || leftover.includes('}}')) {
    errors.push('has a malformed placeholder; write {{variable}} or {{function:field.path}}');
  }
  return { parts, paths, errors };
}

export function renderTemplate(
  parts: readonly TemplatePart[],
  resolve: (variable: TemplateVariable) => string,
): string {
  // Joined, not concatenated: a join is one flat string, where `+=` leaves a tree of pieces
  // (and slices of the texts they came from) that every alert kept as its summary.
  return parts.map((part) => (typeof part === 'string' ? part : resolve(part))).join('');
}
