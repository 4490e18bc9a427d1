import { isReportType, REPORT_TYPES, SLUG_PATTERN } from '@cm/contracts';
import type { ReportType } from '@cm/contracts';
import { MAX_DURATION_MS, parseDuration } from './duration';
import { fieldKind } from './report-fields';
import type { FieldKind } from './report-fields';
import { RULE_KINDS, SEVERITIES } from './rule.types';
import type {
  AtLeast,
  CoOccurrenceConstraint,
  Condition,
  FieldCondition,
  ReportPattern,
  Rule,
  RuleError,
  RuleKind,
  Scalar,
} from './rule.types';
import { parseTemplate } from './summary-template';

/**
 * Validation of rules given as parsed JSON or YAML: every error names the field by its path
 * from the rule's root (`window.duration`, `match.where.1.in`), unknown fields are errors
 * (a misspelt key would otherwise be ignored silently), and the result is a normalised rule.
 */

/** A rule set this large is a mistake, and a hostile backtest body must not cost much. */
export const MAX_RULES = 500;
/** At most this many errors are returned, as the contracts' validation does. */
export const MAX_ERRORS = 100;
const MAX_TEXT = 1000;
const MAX_CONDITION_DEPTH = 4;
const MAX_LIST = 100;

const COMMON_KEYS = ['id', 'kind', 'description', 'severity', 'cooldown', 'summary'];
const KIND_KEYS: Record<RuleKind, string[]> = {
  threshold: ['match', 'window', 'require'],
  spike: ['match', 'measure', 'window', 'ratio', 'minimum'],
  'co-occurrence': ['a', 'b', 'within', 'order', 'constraints'],
};
const FIELD_OPERATORS = [
  'equals',
  'notEquals',
  'in',
  'notIn',
  'exists',
  'gt',
  'gte',
  'lt',
  'lte',
  'sameAs',
  'differsFrom',
] as const;

type Json = Record<string, unknown>;

class Issues {
  readonly errors: RuleError[] = [];
  constructor(private readonly rule: string | undefined) {}

  add(path: string, message: string): undefined {
    this.errors.push(
      this.rule === undefined ? { path, message } : { rule: this.rule, path, message },
    );
    return undefined;
  }
}

const join = (parent: string, key: string | number): string =>
  parent === '' ? String(key) : `${parent}.${key}`;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The id of a rule-shaped value, when it has a usable one (for error messages). */
export function ruleIdOf(value: unknown): string | undefined {
  return isObject(value) && typeof value.id === 'string' && SLUG_PATTERN.test(value.id)
    ? value.id
    : undefined;
}

export type RuleValidation = { ok: true; rule: Rule } | { ok: false; errors: RuleError[] };

/** Validates one rule; paths are relative to the rule. */
export function validateRule(value: unknown): RuleValidation {
  const issues = new Issues(ruleIdOf(value));
  const rule = readRule(value, issues);
  return rule && issues.errors.length === 0
    ? { ok: true, rule }
    : { ok: false, errors: issues.errors };
}

function readRule(value: unknown, issues: Issues): Rule | undefined {
  if (!isObject(value)) return issues.add('', 'must be an object (a rule)');
  const id = value.id;
  if (typeof id !== 'string' || !SLUG_PATTERN.test(id)) {
    issues.add('id', id === undefined ? 'is required' : 'must be a slug of [a-z0-9-], 2-64 chars');
  }
  const kind = value.kind;
  if (!(RULE_KINDS as readonly unknown[]).includes(kind)) {
    issues.add(
      'kind',
      kind === undefined ? 'is required' : `must be one of ${RULE_KINDS.join(', ')}`,
    );
    return undefined;
  }
  const ruleKind = kind as RuleKind;
  rejectUnknownKeys(
    value,
    '',
    [...COMMON_KEYS, ...KIND_KEYS[ruleKind]],
    issues,
    `a ${ruleKind} rule`,
  );
  const description = readText(value.description, 'description', issues);
  const severity = value.severity;
  if (!(SEVERITIES as readonly unknown[]).includes(severity)) {
    issues.add(
      'severity',
      severity === undefined ? 'is required' : `must be one of ${SEVERITIES.join(', ')}`,
    );
  }
  const cooldown = readDuration(value.cooldown, 'cooldown', issues);
  const summary = readText(value.summary, 'summary', issues);

  const common = {
    id: id as string,
    description: description as string,
    severity: severity as Rule['severity'],
    cooldown: cooldown as string,
    summary: summary as string,
  };
  let rule: Rule | undefined;
  switch (ruleKind) {
    case 'threshold':
      rule = readThreshold(value, common, issues);
      break;
    case 'spike':
      rule = readSpike(value, common, issues);
      break;
    case 'co-occurrence':
      rule = readCoOccurrence(value, common, issues);
      break;
  }
  if (rule && summary !== undefined) checkSummary(rule, issues);
  return rule;
}

type Common = Pick<Rule, 'id' | 'description' | 'severity' | 'cooldown' | 'summary'>;

function readThreshold(value: Json, common: Common, issues: Issues): Rule | undefined {
  const match = readPattern(value.match, 'match', issues);
  let window: { duration: string } | undefined;
  if (value.window !== undefined) {
    if (!isObject(value.window)) {
      issues.add('window', 'must be an object: { duration: 72h }');
    } else {
      rejectUnknownKeys(value.window, 'window', ['duration'], issues, 'a threshold window');
      const duration = readDuration(value.window.duration, 'window.duration', issues);
      if (duration !== undefined) window = { duration };
    }
  }
  const types = match?.type ?? [];
  let require: Extract<Rule, { kind: 'threshold' }>['require'] | undefined;
  if (!isObject(value.require)) {
    issues.add(
      'require',
      value.require === undefined ? 'is required' : 'must be an object with count, sum or distinct',
    );
  } else {
    rejectUnknownKeys(value.require, 'require', ['count', 'sum', 'distinct'], issues, 'require');
    require = {};
    const { count, sum, distinct } = value.require;
    if (count === undefined && sum === undefined && distinct === undefined) {
      issues.add('require', 'needs at least one of count, sum, distinct');
    }
    if (count !== undefined) {
      const atLeast = readAtLeast(count, 'require.count', [], issues, { integer: true, min: 1 });
      if (atLeast) require.count = atLeast;
    }
    if (sum !== undefined) {
      const atLeast = readAtLeast(sum, 'require.sum', ['field'], issues, { min: 0 });
      const field = isObject(sum)
        ? readPath(sum.field, 'require.sum.field', types, issues, ['number'])
        : undefined;
      if (atLeast && field) require.sum = { field, ...atLeast };
    }
    if (distinct !== undefined) {
      const atLeast = readAtLeast(distinct, 'require.distinct', ['field'], issues, {
        integer: true,
        min: 1,
      });
      const field = isObject(distinct)
        ? readPath(distinct.field, 'require.distinct.field', types, issues, [
            'string',
            'number',
            'boolean',
            'enum',
          ])
        : undefined;
      if (atLeast && field) require.distinct = { field, ...atLeast };
    }
  }
  if (!match || !require) return undefined;
  return { ...common, kind: 'threshold', match, ...(window ? { window } : {}), require };
}

function readSpike(value: Json, common: Common, issues: Issues): Rule | undefined {
  const match = readPattern(value.match, 'match', issues);
  const types = match?.type ?? [];
  let measure: Extract<Rule, { kind: 'spike' }>['measure'] | undefined;
  if (value.measure === 'count') {
    measure = 'count';
  } else if (isObject(value.measure)) {
    rejectUnknownKeys(value.measure, 'measure', ['sum'], issues, 'a spike measure');
    const sum = readPath(value.measure.sum, 'measure.sum', types, issues, ['number']);
    if (sum) measure = { sum };
  } else {
    issues.add(
      'measure',
      value.measure === undefined ? 'is required' : 'must be count or { sum: details.count.best }',
    );
  }
  let window: { recent: string; baseline: string } | undefined;
  if (!isObject(value.window)) {
    issues.add(
      'window',
      value.window === undefined ? 'is required' : 'must be { recent: 7d, baseline: 28d }',
    );
  } else {
    rejectUnknownKeys(value.window, 'window', ['recent', 'baseline'], issues, 'a spike window');
    const recent = readDuration(value.window.recent, 'window.recent', issues);
    const baseline = readDuration(value.window.baseline, 'window.baseline', issues);
    if (recent && baseline) window = { recent, baseline };
  }
  const ratio = readNumber(value.ratio, 'ratio', issues, { min: 0, exclusiveMin: true });
  const minimum = readNumber(value.minimum, 'minimum', issues, { min: 0 });
  if (!match || !measure || !window || ratio === undefined || minimum === undefined) {
    return undefined;
  }
  return { ...common, kind: 'spike', match, measure, window, ratio, minimum };
}

function readCoOccurrence(value: Json, common: Common, issues: Issues): Rule | undefined {
  const a = readPattern(value.a, 'a', issues);
  const b = readPattern(value.b, 'b', issues);
  const within = readDuration(value.within, 'within', issues);
  let order: 'any' | 'a-before-b' = 'any';
  if (value.order !== undefined) {
    if (value.order === 'any' || value.order === 'a-before-b') order = value.order;
    else issues.add('order', 'must be any or a-before-b');
  }
  let constraints: CoOccurrenceConstraint[] | undefined;
  if (value.constraints !== undefined) {
    if (!Array.isArray(value.constraints) || value.constraints.length > MAX_LIST) {
      issues.add('constraints', `must be a list of at most ${MAX_LIST} constraints`);
    } else {
      constraints = [];
      value.constraints.forEach((item: unknown, index) => {
        const path = join('constraints', index);
        if (!isObject(item)) return issues.add(path, 'must be { a, b, relation }');
        rejectUnknownKeys(item, path, ['a', 'b', 'relation'], issues, 'a constraint');
        const pathA = readPath(item.a, join(path, 'a'), a?.type ?? [], issues);
        const pathB = readPath(item.b, join(path, 'b'), b?.type ?? [], issues);
        const relation = item.relation;
        if (relation !== 'same' && relation !== 'different') {
          issues.add(join(path, 'relation'), 'must be same or different');
        } else if (pathA && pathB) {
          constraints?.push({ a: pathA, b: pathB, relation });
        }
      });
    }
  }
  if (!a || !b || !within) return undefined;
  return {
    ...common,
    kind: 'co-occurrence',
    a,
    b,
    within,
    order,
    ...(constraints?.length ? { constraints } : {}),
  };
}

function readPattern(value: unknown, path: string, issues: Issues): ReportPattern | undefined {
  if (!isObject(value)) {
    return issues.add(
      path,
      value === undefined ? 'is required' : 'must be an object: { type, where }',
    );
  }
  rejectUnknownKeys(value, path, ['type', 'where'], issues, 'a report pattern');
  const pattern: ReportPattern = {};
  let types: ReportType[] = [];
  if (value.type !== undefined) {
    const list = Array.isArray(value.type) ? value.type : [value.type];
    const typePath = join(path, 'type');
    if (list.length === 0) issues.add(typePath, 'must name at least one report type');
    list.forEach((type: unknown, index) => {
      if (!isReportType(type)) {
        issues.add(
          Array.isArray(value.type) ? join(typePath, index) : typePath,
          `must be a report type: ${REPORT_TYPES.join(', ')}`,
        );
      } else if (!types.includes(type)) {
        types.push(type);
      }
    });
    if (types.length) pattern.type = types;
    else types = [];
  }
  if (value.where !== undefined) {
    const where = readConditions(value.where, join(path, 'where'), types, issues, 1);
    if (where?.length) pattern.where = where;
  }
  return pattern;
}

function readConditions(
  value: unknown,
  path: string,
  types: readonly ReportType[],
  issues: Issues,
  depth: number,
): Condition[] | undefined {
  if (!Array.isArray(value) || value.length > MAX_LIST) {
    return issues.add(path, `must be a list of at most ${MAX_LIST} conditions`);
  }
  const conditions: Condition[] = [];
  value.forEach((item: unknown, index) => {
    const condition = readCondition(item, join(path, index), types, issues, depth);
    if (condition) conditions.push(condition);
  });
  return conditions;
}

function readCondition(
  value: unknown,
  path: string,
  types: readonly ReportType[],
  issues: Issues,
  depth: number,
): Condition | undefined {
  if (!isObject(value)) {
    return issues.add(path, 'must be an object: { field, <operator> }, { anyOf } or { allOf }');
  }
  for (const group of ['anyOf', 'allOf'] as const) {
    if (value[group] === undefined) continue;
    rejectUnknownKeys(value, path, [group], issues, `an ${group} condition`);
    if (depth >= MAX_CONDITION_DEPTH) {
      return issues.add(path, `nests deeper than ${MAX_CONDITION_DEPTH} levels`);
    }
    const inner = readConditions(value[group], join(path, group), types, issues, depth + 1);
    if (!inner) return undefined;
    if (inner.length === 0)
      return issues.add(join(path, group), 'must hold at least one condition');
    return group === 'anyOf' ? { anyOf: inner } : { allOf: inner };
  }
  rejectUnknownKeys(value, path, ['field', ...FIELD_OPERATORS], issues, 'a condition');
  const field = readPath(value.field, join(path, 'field'), types, issues);
  const kind = field ? fieldKind(field, types) : undefined;
  const operators = FIELD_OPERATORS.filter((operator) => value[operator] !== undefined);
  if (operators.length === 0) {
    return issues.add(path, `needs an operator: ${FIELD_OPERATORS.join(', ')}`);
  }
  if (!field || !kind) return undefined;
  const condition: FieldCondition = { field };
  let valid = true;
  for (const operator of operators) {
    const operand = value[operator];
    const operandPath = join(path, operator);
    const fail = (message: string): void => {
      valid = false;
      issues.add(operandPath, message);
    };
    if (kind.kind === 'object' && operator !== 'exists') {
      fail(`${field} is an object or a list of objects: only exists applies`);
      continue;
    }
    switch (operator) {
      case 'exists':
        if (typeof operand !== 'boolean') fail('must be true or false');
        else condition.exists = operand;
        break;
      case 'equals':
      case 'notEquals': {
        const message = scalarMismatch(operand, kind);
        if (message) fail(message);
        else condition[operator] = operand as Scalar;
        break;
      }
      case 'in':
      case 'notIn': {
        if (!Array.isArray(operand) || operand.length === 0 || operand.length > MAX_LIST) {
          fail(`must be a list of 1 to ${MAX_LIST} values`);
          break;
        }
        const bad = operand.findIndex((item) => scalarMismatch(item, kind) !== undefined);
        if (bad >= 0) {
          valid = false;
          issues.add(join(operandPath, bad), scalarMismatch(operand[bad], kind) as string);
        } else {
          condition[operator] = operand as Scalar[];
        }
        break;
      }
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte':
        if (kind.kind !== 'number') fail(`${field} is not a number`);
        else if (typeof operand !== 'number' || !Number.isFinite(operand)) fail('must be a number');
        else condition[operator] = operand;
        break;
      case 'sameAs':
      case 'differsFrom': {
        const other = readPath(operand, operandPath, types, issues, [
          'string',
          'number',
          'boolean',
          'enum',
        ]);
        if (other) condition[operator] = other;
        else valid = false;
        break;
      }
    }
  }
  return valid ? condition : undefined;
}

/** Why `value` cannot be compared with a field of `kind`, or undefined when it can. */
function scalarMismatch(value: unknown, kind: FieldKind): string | undefined {
  switch (kind.kind) {
    case 'enum':
      return typeof value === 'string' && kind.values.includes(value)
        ? undefined
        : `must be one of ${kind.values.join(', ')}`;
    case 'string':
      return typeof value === 'string' ? undefined : 'must be a string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'object':
      return 'cannot be compared with an object';
  }
}

function readPath(
  value: unknown,
  path: string,
  types: readonly ReportType[],
  issues: Issues,
  kinds?: FieldKind['kind'][],
): string | undefined {
  if (typeof value !== 'string' || value === '') {
    return issues.add(path, value === undefined ? 'is required' : 'must be a field path');
  }
  const kind = fieldKind(value, types);
  if (!kind) {
    const of = types.length ? `a ${types.join(' or ')} report` : 'any report';
    return issues.add(path, `${value} is not a field of ${of}`);
  }
  if (kinds && !kinds.includes(kind.kind)) {
    return issues.add(path, `${value} is ${describeKind(kind)}; expected ${kinds.join(' or ')}`);
  }
  return value;
}

function describeKind(kind: FieldKind): string {
  return kind.kind === 'enum' || kind.kind === 'object' ? `an ${kind.kind}` : `a ${kind.kind}`;
}

function readAtLeast(
  value: unknown,
  path: string,
  extraKeys: string[],
  issues: Issues,
  options: { integer?: boolean; min: number },
): AtLeast | undefined {
  if (!isObject(value)) return issues.add(path, 'must be an object: { atLeast: <number> }');
  rejectUnknownKeys(value, path, ['atLeast', ...extraKeys], issues, path);
  const atLeast = readNumber(value.atLeast, join(path, 'atLeast'), issues, options);
  return atLeast === undefined ? undefined : { atLeast };
}

function readNumber(
  value: unknown,
  path: string,
  issues: Issues,
  options: { integer?: boolean; min: number; exclusiveMin?: boolean },
): number | undefined {
  if (value === undefined) return issues.add(path, 'is required');
  if (typeof value !== 'number' || !Number.isFinite(value))
    return issues.add(path, 'must be a number');
  if (options.integer && !Number.isInteger(value)) return issues.add(path, 'must be an integer');
  if (options.exclusiveMin ? value <= options.min : value < options.min) {
    return issues.add(
      path,
      `must be ${options.exclusiveMin ? 'above' : 'at least'} ${options.min}`,
    );
  }
  return value;
}

function readText(value: unknown, path: string, issues: Issues): string | undefined {
  if (value === undefined) return issues.add(path, 'is required');
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_TEXT) {
    return issues.add(path, `must be a non-blank string of at most ${MAX_TEXT} characters`);
  }
  return value;
}

function readDuration(value: unknown, path: string, issues: Issues): string | undefined {
  if (value === undefined) return issues.add(path, 'is required');
  const ms = parseDuration(value);
  if (ms === undefined) return issues.add(path, 'must be a duration such as 30m, 72h, 7d or 2w');
  if (ms === 0) return issues.add(path, 'must be longer than zero');
  if (ms > MAX_DURATION_MS) return issues.add(path, 'must be at most 366d');
  return value as string;
}

function rejectUnknownKeys(
  value: Json,
  path: string,
  allowed: string[],
  issues: Issues,
  what: string,
): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      issues.add(join(path, key), `is not a field of ${what} (allowed: ${allowed.join(', ')})`);
    }
  }
}

/** Template variables and the fields its functions name must exist for the rule's reports. */
function checkSummary(rule: Rule, issues: Issues): void {
  const parsed = parseTemplate(rule.summary, rule.kind);
  for (const message of parsed.errors) issues.add('summary', message);
  const types = reportTypesOf(rule);
  for (const path of parsed.paths) {
    if (!fieldKind(path, types)) {
      issues.add('summary', `${path} is not a field of the reports this rule looks at`);
    }
  }
}

/** The report types a rule's patterns admit (empty: every type). */
export function reportTypesOf(rule: Rule): ReportType[] {
  const patterns = rule.kind === 'co-occurrence' ? [rule.a, rule.b] : [rule.match];
  if (patterns.some((pattern) => !pattern.type)) return [];
  return [...new Set(patterns.flatMap((pattern) => pattern.type ?? []))];
}

/**
 * Validates a list of rules (an HTTP body's `rules`): paths start at the list
 * (`0.window.duration`), and ids must be unique.
 */
export function parseRules(
  json: unknown,
): { ok: true; rules: Rule[] } | { ok: false; errors: RuleError[] } {
  if (!Array.isArray(json))
    return { ok: false, errors: [{ path: '', message: 'must be a list of rules' }] };
  if (json.length > MAX_RULES) {
    return { ok: false, errors: [{ path: '', message: `must hold at most ${MAX_RULES} rules` }] };
  }
  const errors: RuleError[] = [];
  const rules: Rule[] = [];
  const seen = new Map<string, number>();
  json.forEach((item: unknown, index) => {
    const result = validateRule(item);
    if (!result.ok) {
      for (const error of result.errors)
        errors.push({ ...error, path: join(String(index), error.path) });
      return;
    }
    const first = seen.get(result.rule.id);
    if (first !== undefined) {
      errors.push({
        rule: result.rule.id,
        path: join(String(index), 'id'),
        message: `duplicates the id of rule ${first}`,
      });
      return;
    }
    seen.set(result.rule.id, index);
    rules.push(result.rule);
  });
  return errors.length ? { ok: false, errors: errors.slice(0, MAX_ERRORS) } : { ok: true, rules };
}

export function isFieldCondition(condition: Condition): condition is FieldCondition {
  return 'field' in condition;
}
