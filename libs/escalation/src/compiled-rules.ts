import { createHash } from 'node:crypto';
import { canonicalJson, REPORT_TYPES } from '@cm/contracts';
import type { ReportType } from '@cm/contracts';
import { coOccurrenceEvaluator } from './co-occurrence-rule';
import { durationMs } from './duration';
import { isDetailsField } from './report-fields';
import { PatternTable } from './report-pattern';
import type { ReportRecord, SlotValue } from './report-record';
import { compactValues, FieldSlots, makeRecord } from './report-record';
import type { RuleEvaluator, ScanResult } from './rule-evaluation';
import type { Rule, RuleError } from './rule.types';
import { parseRules } from './rule.validation';
import { spikeEvaluator } from './spike-rule';
import { EvidenceAggregates } from './summary-aggregates';
import type { TemplatePart } from './summary-template';
import { parseTemplate, renderTemplate } from './summary-template';
import { thresholdEvaluator } from './threshold-rule';

/** A rule set that does not validate; the engine refuses it at construction. */
export class RuleSetError extends Error {
  readonly code = 'ESCALATION.INVALID_RULES';
  constructor(readonly errors: RuleError[]) {
    super(
      `invalid rules: ${errors
        .slice(0, 5)
        .map((error) => `${error.rule ?? '?'} ${error.path}: ${error.message}`)
        .join('; ')}`,
    );
    this.name = 'RuleSetError';
  }
}

export interface CompiledRule {
  readonly rule: Rule;
  readonly index: number;
  readonly cooldown: number;
  readonly evaluator: RuleEvaluator;
  readonly summary: readonly TemplatePart[];
  /** The slots the summary's functions read (sum, max, distinct, values). */
  readonly summarySlots: readonly number[];
  /** How far behind a firing its alert's evidence can reach: lookback + lookahead + cooldown. */
  readonly horizon: number;
  /** The slots the rule reads on the records of its patterns (evaluator and summary). */
  readonly readSlots: readonly number[];
}

/** Rules turned into evaluators over shared slots and patterns. */
export class CompiledRuleSet {
  readonly slots = new FieldSlots();
  readonly patterns = new PatternTable(this.slots);
  readonly rules: readonly CompiledRule[];
  /** SHA-256 of the rules' canonical JSON: a snapshot is only valid for the same rules. */
  readonly fingerprint: string;
  /** The longest horizon of any rule. */
  readonly horizon: number;
  /**
   * Whether rules name fields a correction does not carry (source, location): then every
   * report is kept, so that a correction can make it match with its envelope intact.
   */
  readonly keepsUnmatched: boolean;
  /** Per report type, where a record keeps each slot's value (see layoutFor). */
  private readonly layouts: ReadonlyMap<string, readonly number[]>;
  private readonly layoutWidths: ReadonlyMap<string, number>;

  constructor(rules: readonly Rule[]) {
    // Rules built in code get the same checks and normalisation as rules read from files.
    const parsed = parseRules(rules);
    if (!parsed.ok) throw new RuleSetError(parsed.errors);
    this.rules = parsed.rules.map((rule, index) => this.compile(rule, index));
    this.fingerprint = createHash('sha256').update(canonicalJson(parsed.rules)).digest('hex');
    this.horizon = Math.max(0, ...this.rules.map((rule) => rule.horizon));
    this.keepsUnmatched = this.slots.paths.some((path) => !isDetailsField(path));
    this.layouts = new Map(REPORT_TYPES.map((type) => [type, this.layoutFor(type)]));
    this.layoutWidths = new Map(
      [...this.layouts].map(([type, layout]) => [type, layout.filter((i) => i >= 0).length]),
    );
  }

  /**
   * The record of a report version: its patterns, and of its values (by slot) only those a
   * rule can read on a report of its type (see layoutFor).
   */
  record(id: string, type: ReportType, t: number, values: readonly SlotValue[]): ReportRecord {
    const patterns = this.patterns.matching(type, values);
    const layout = this.layouts.get(type);
    if (layout === undefined) return makeRecord(id, type, t, values, patterns);
    const width = this.layoutWidths.get(type) as number;
    return makeRecord(id, type, t, compactValues(values, layout, width), patterns, layout);
  }

  /**
   * Which slots a record of `type` keeps: those read by the patterns a report of that type can
   * match, and by the rules over those patterns. No other reads a record's values: a record is
   * only in the lists of patterns it matches, and only the rules over those lists see it. The
   * engine keeps some 150,000 records on the long synthetic history, each of a type that reads
   * a few of the rules' fields.
   */
  private layoutFor(type: ReportType): number[] {
    const read = new Set<number>();
    this.patterns.patterns.forEach((pattern, index) => {
      if (pattern.types && !pattern.types.has(type)) return;
      for (const slot of pattern.slots) read.add(slot);
      for (const rule of this.rules) {
        if (!rule.evaluator.patterns.includes(index)) continue;
        for (const slot of rule.readSlots) read.add(slot);
      }
    });
    let next = 0;
    return this.slots.paths.map((_, slot) => (read.has(slot) ? next++ : -1));
  }

  private compile(rule: Rule, index: number): CompiledRule {
    // Every slot the evaluator and the summary ask for is one the rule may read.
    const { built, slots: readSlots } = this.slots.track(() => {
      let evaluator: RuleEvaluator;
      switch (rule.kind) {
        case 'threshold':
          evaluator = thresholdEvaluator(rule, this.patterns.add(rule.match), this.slots);
          break;
        case 'spike':
          evaluator = spikeEvaluator(rule, this.patterns.add(rule.match), this.slots);
          break;
        case 'co-occurrence':
          evaluator = coOccurrenceEvaluator(
            rule,
            this.patterns.add(rule.a),
            this.patterns.add(rule.b),
            this.slots,
          );
          break;
      }
      const summary = parseTemplate(rule.summary, rule.kind).parts;
      const summarySlots: number[] = [];
      for (const part of summary)
        if (typeof part !== 'string' && part.path) summarySlots.push(this.slots.slot(part.path));
      return { evaluator, summary, summarySlots };
    });
    const { evaluator, summary, summarySlots } = built;
    const cooldown = durationMs(rule.cooldown);
    return {
      rule,
      index,
      cooldown,
      evaluator,
      summary,
      summarySlots,
      horizon: evaluator.lookback + evaluator.lookahead + cooldown,
      readSlots,
    };
  }

  /** Whether a record matters to a rule: it matches one of the rule's patterns. */
  touches(rule: CompiledRule, record: ReportRecord): boolean {
    for (const pattern of rule.evaluator.patterns)
      if (record.patterns.includes(pattern)) return true;
    return false;
  }

  /** Aggregates for a rule's summary, to keep beside an alert across its updates. */
  aggregatesFor(rule: CompiledRule): EvidenceAggregates {
    return new EvidenceAggregates(rule.summarySlots);
  }

  /**
   * The summary of a firing's alert. With `aggregates` (kept per alert, see aggregatesFor),
   * the functions over evidence cost what changed since the alert's last summary, not all of
   * its evidence; the text is the same either way.
   */
  renderSummary(
    rule: CompiledRule,
    theatre: string,
    scan: ScanResult,
    aggregates = this.aggregatesFor(rule),
  ): string {
    const { evidence } = scan;
    aggregates.update(evidence);
    return renderTemplate(rule.summary, ({ name, path }) => {
      switch (name) {
        case 'rule':
          return rule.rule.id;
        case 'theatre':
          return theatre;
        case 'count':
          return String(evidence.length);
        case 'evidence':
          return listIds(evidence);
        case 'windowStart':
          return formatTime(evidence[0].t);
        case 'windowEnd':
          return formatTime(evidence[evidence.length - 1].t);
        case 'a':
          return listIds(scan.roles?.a ?? []);
        case 'b':
          return listIds(scan.roles?.b ?? []);
        case 'recent':
        case 'baselineMean':
          return formatNumber(scan.measures[name] ?? null);
        case 'ratio': {
          const ratio = scan.measures.ratio ?? null;
          return ratio === null ? 'n/a' : `${formatNumber(ratio)}x`;
        }
        case 'sum':
          return formatNumber(aggregates.field(this.slots.slot(path as string)).sum(evidence));
        case 'max': {
          const max = aggregates.field(this.slots.slot(path as string)).max();
          return max === undefined ? 'n/a' : formatNumber(max);
        }
        case 'distinct':
          return String(aggregates.field(this.slots.slot(path as string)).distinct());
        case 'values':
          return aggregates.field(this.slots.slot(path as string)).values();
        default:
          return `{{${name}}}`;
      }
    });
  }
}

const LISTED_IDS = 5;

function listIds(records: readonly ReportRecord[]): string {
  const ids = records.slice(0, LISTED_IDS).map((record) => record.id);
  const more = records.length - ids.length;
  return more > 0 ? `${ids.join(', ')} and ${more} more` : ids.join(', ') || 'none';
}

/** Minutes are as precise as reports get (occurredPrecision `hour` at best). */
function formatTime(t: number): string {
  return `${new Date(t).toISOString().slice(0, 16)}Z`;
}

function formatNumber(value: number | null): string {
  if (value === null) return 'n/a';
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
