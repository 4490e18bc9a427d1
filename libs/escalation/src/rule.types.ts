import type { ReportType } from '@cm/contracts';

/**
 * Rules as data: what `parseRules` and `parseRuleFiles` return and the engine runs. Plain JSON
 * (durations stay as written, `72h`), so that `GET /v1/rules` can show them and a backtest
 * body can carry them back: `parseRules(JSON.parse(JSON.stringify(rules)))` gives the same
 * rules. The format is documented in docs/RULES.md.
 */

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const RULE_KINDS = ['threshold', 'spike', 'co-occurrence'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** `30s`, `30m`, `72h`, `7d`, `2w`. */
export type Duration = string;

/**
 * A report field, dotted from the report's root: `details.personnel.best`,
 * `details.equipment.category`, `source.reliability`. Lists are walked through, so a path
 * into a list names every item's value.
 */
export type FieldPath = string;

export type Scalar = string | number | boolean;

/**
 * A test on one report. Several operators in one condition must all hold. Every operator
 * except `exists: false` is false when the field is absent. On a list, `equals`, `in` and the
 * comparisons hold when any item's value does; `notEquals` and `notIn` when none does.
 */
export interface FieldCondition {
  field: FieldPath;
  equals?: Scalar;
  notEquals?: Scalar;
  in?: Scalar[];
  notIn?: Scalar[];
  exists?: boolean;
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  /** Both fields present and sharing a value. */
  sameAs?: FieldPath;
  /** Both fields present and sharing no value (`supporting` differs from `actor`). */
  differsFrom?: FieldPath;
}

export interface AnyOfCondition {
  anyOf: Condition[];
}

export interface AllOfCondition {
  allOf: Condition[];
}

export type Condition = FieldCondition | AnyOfCondition | AllOfCondition;

/** Which reports a rule looks at: of these types (all when absent), meeting every condition. */
export interface ReportPattern {
  type?: ReportType[];
  where?: Condition[];
}

export interface AtLeast {
  atLeast: number;
}

interface RuleBase {
  /** A slug, unique in the rule set; alerts name their rule by it. */
  id: string;
  description: string;
  severity: Severity;
  /**
   * Event time after an alert's first firing during which further firings of the rule in
   * the same theatre update that alert instead of raising a new one.
   */
  cooldown: Duration;
  /** `{{count}} violations ...`; the variables are listed in docs/RULES.md. */
  summary: string;
}

/**
 * Fires at a matching report when the matching reports within `window.duration` before it
 * (both ends included) meet every requirement. Without a window, each report is judged with
 * those at the same instant: a single-report rule is `count: { atLeast: 1 }` and filters.
 */
export interface ThresholdRule extends RuleBase {
  kind: 'threshold';
  match: ReportPattern;
  window?: { duration: Duration };
  require: {
    count?: AtLeast;
    sum?: AtLeast & { field: FieldPath };
    distinct?: AtLeast & { field: FieldPath };
  };
}

/**
 * Fires at a matching report when the measure over the recent window ending at it is at
 * least `minimum` and at least `ratio` times the mean per recent-window-length of the
 * baseline window just before it.
 */
export interface SpikeRule extends RuleBase {
  kind: 'spike';
  match: ReportPattern;
  measure: 'count' | { sum: FieldPath };
  window: { recent: Duration; baseline: Duration };
  ratio: number;
  minimum: number;
}

export interface CoOccurrenceConstraint {
  a: FieldPath;
  b: FieldPath;
  relation: 'same' | 'different';
}

/**
 * Fires at each report matching `a` that has a report matching `b` (another report) within
 * `within` of it: before or after (`any`), or only after it (`a-before-b`).
 */
export interface CoOccurrenceRule extends RuleBase {
  kind: 'co-occurrence';
  a: ReportPattern;
  b: ReportPattern;
  within: Duration;
  order: 'any' | 'a-before-b';
  constraints?: CoOccurrenceConstraint[];
}

export type Rule = ThresholdRule | SpikeRule | CoOccurrenceRule;

/** A rule that failed validation: the field by its dotted path, from the rule (or list) root. */
export interface RuleError {
  rule?: string;
  path: string;
  message: string;
}

/** As RuleError, with the file it came from and the line when it could be found. */
export interface RuleFileError extends RuleError {
  file: string;
  line?: number;
}
