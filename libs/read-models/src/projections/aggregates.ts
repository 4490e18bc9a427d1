import type { ReportType } from '@cm/contracts';
import { boundsOf } from './estimates';
import type { ReportRow } from './report-row';

/**
 * The summable parts of the read models. Each report contributes deltas to these; a
 * correction takes back its old contribution and adds the new one, a retraction takes it
 * back. Every kind but `theatreReports` counts contributing reports, and a row whose count
 * is back at zero is gone (so live and rebuilt tables agree).
 */
export interface AggregateKeys {
  /** Report counts by type per theatre. Rows stay at zero: the theatre remains known. */
  theatreReports: [theatre: string];
  personnel: [theatre: string, role: 'actor' | 'supporting', party: string];
  equipment: [theatre: string, actor: string, category: string];
  casualtyIncrements: [theatre: string, party: string, category: string, civilian: boolean];
  sanctionDemandParties: [theatre: string, demandingParty: string];
}
export type AggregateKind = keyof AggregateKeys;

/** The value columns of each kind, in the order of `AggregateDelta.values`. */
export const AGGREGATE_VALUES = {
  theatreReports: ['deployments', 'casualties', 'ceasefireViolations', 'sanctionDemands'],
  personnel: ['reports', 'low', 'best', 'high'],
  equipment: ['reports', 'low', 'best', 'high'],
  casualtyIncrements: ['reports', 'low', 'best', 'high'],
  sanctionDemandParties: ['reports'],
} as const satisfies Record<AggregateKind, readonly string[]>;

/** Every aggregate kind, in the order the writer applies them. */
export const AGGREGATE_KINDS = Object.keys(AGGREGATE_VALUES) as AggregateKind[];

export type AggregateDelta = {
  [K in AggregateKind]: { kind: K; key: AggregateKeys[K]; values: number[] };
}[AggregateKind];

const THEATRE_REPORT_INDEX: Record<ReportType, number> = {
  deployment: 0,
  casualty: 1,
  ceasefire_violation: 2,
  sanction_demand: 3,
};

/** What one report row adds to the aggregates. */
export function contributionsOf(row: ReportRow): AggregateDelta[] {
  const { report } = row;
  const theatre = report.theatre;
  const reportCounts = [0, 0, 0, 0];
  reportCounts[THEATRE_REPORT_INDEX[report.type]] = 1;
  const deltas: AggregateDelta[] = [
    { kind: 'theatreReports', key: [theatre], values: reportCounts },
  ];
  switch (report.type) {
    case 'deployment': {
      const { actor, supporting, movement, personnel, equipment } = report.details;
      const sign = movement === 'withdrawal' ? -1 : 1;
      if (personnel) {
        const { low, best, high } = boundsOf(personnel);
        const values = [1, sign * low, sign * best, sign * high];
        deltas.push({ kind: 'personnel', key: [theatre, 'actor', actor], values });
        deltas.push({
          kind: 'personnel',
          key: [theatre, 'supporting', supporting ?? actor],
          values: [...values],
        });
      }
      const byCategory = new Map<string, number[]>();
      for (const item of equipment ?? []) {
        const sums = byCategory.get(item.category) ?? [1, 0, 0, 0];
        if (item.quantity) {
          const { low, best, high } = boundsOf(item.quantity);
          sums[1] += sign * low;
          sums[2] += sign * best;
          sums[3] += sign * high;
        }
        byCategory.set(item.category, sums);
      }
      for (const [category, values] of byCategory) {
        deltas.push({ kind: 'equipment', key: [theatre, actor, category], values });
      }
      break;
    }
    case 'casualty': {
      const { party, category, civilian, count, cumulative } = report.details;
      if (!cumulative) {
        const { low, best, high } = boundsOf(count);
        deltas.push({
          kind: 'casualtyIncrements',
          key: [theatre, party, category, civilian],
          values: [1, low, best, high],
        });
      }
      break;
    }
    case 'sanction_demand':
      deltas.push({
        kind: 'sanctionDemandParties',
        key: [theatre, report.details.demandingParty],
        values: [1],
      });
      break;
    case 'ceasefire_violation':
      break;
  }
  return deltas;
}

/** The deltas of a row change: the new row's contributions minus the old row's. */
export function deltasOf(
  previous: ReportRow | undefined,
  next: ReportRow | null,
): AggregateDelta[] {
  const deltas = next ? contributionsOf(next) : [];
  if (previous) {
    for (const delta of contributionsOf(previous)) {
      deltas.push({ ...delta, values: delta.values.map((value) => -value) });
    }
  }
  return deltas;
}

export interface AggregateEntry<K extends AggregateKind = AggregateKind> {
  kind: K;
  key: AggregateKeys[K];
  values: number[];
}

/**
 * Sums deltas by kind and key. The writer merges a batch's deltas with it before one
 * statement per kind; the in-memory fold keeps its whole state in one.
 */
export class AggregateSums {
  private readonly entries = new Map<string, AggregateEntry>();

  add(delta: AggregateDelta): void {
    const id = `${delta.kind}\u0000${delta.key.join('\u0000')}`;
    const entry = this.entries.get(id);
    if (!entry) {
      this.entries.set(id, { kind: delta.kind, key: delta.key, values: [...delta.values] });
      return;
    }
    for (let i = 0; i < delta.values.length; i++) entry.values[i] += delta.values[i];
  }

  /** The entries of one kind (including those summed back to zero). */
  ofKind<K extends AggregateKind>(kind: K): AggregateEntry<K>[] {
    const entries: AggregateEntry<K>[] = [];
    for (const entry of this.entries.values()) {
      if (entry.kind === kind) entries.push(entry as AggregateEntry<K>);
    }
    return entries;
  }

  /** The entries of one kind that still count, as the tables hold them. */
  liveOfKind<K extends AggregateKind>(kind: K): AggregateEntry<K>[] {
    const entries = this.ofKind(kind);
    return kind === 'theatreReports' ? entries : entries.filter((entry) => entry.values[0] !== 0);
  }
}

/** An entry whose deltas cancelled out: nothing to write. */
export function isAggregateEntryEmpty(entry: AggregateEntry): boolean {
  return entry.values.every((value) => value === 0);
}
