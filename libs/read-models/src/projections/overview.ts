import type { SanctionCondition, Sanction, SanctionDemand } from '@cm/contracts';
import {
  casualtyHeadline,
  compareRecency,
  compareText,
  type CasualtyHeadline,
  type CasualtySourceTotal,
} from './casualty-totals';
import type { Bounds } from './estimates';

/** How many of each demanding party's active sanction demands the overview lists. */
export const RECENT_SANCTION_DEMANDS_PER_PARTY = 10;

const HOUR_MS = 3_600_000;

/** Sums of reports' estimates, signed as docs/READ-MODELS.md says. */
export interface EstimateSum extends Bounds {
  reports: number;
}

export interface PartyEstimateSum extends EstimateSum {
  party: string;
}

export interface EquipmentSum extends EstimateSum {
  actor: string;
  category: string;
}

export interface CasualtySourceView extends Bounds {
  source: string;
  reportId: string;
  occurredAt: string;
  reliability: string;
  credibility: number;
}

export interface CasualtyOverview {
  party: string;
  category: string;
  civilian: boolean;
  /** Non-cumulative reports, summed; null when there are none. */
  increments: EstimateSum | null;
  /** Each source's current running total and their headline; null when there are none. */
  cumulative: { sources: CasualtySourceView[]; headline: CasualtyHeadline } | null;
}

export interface PartyCount {
  party: string;
  count: number;
}

/** Violations with from < occurredAt <= to. */
export interface ViolationWindow {
  from: string;
  to: string;
  total: number;
  byAccusedParty: PartyCount[];
}

export interface SanctionDemandView {
  reportId: string;
  occurredAt: string;
  demand: SanctionDemand;
  sanctions: Sanction[];
  condition?: SanctionCondition;
}

export interface DemandingPartyOverview {
  demandingParty: string;
  /** Active (not retracted) demands of this party. */
  active: number;
  /** The most recent of them by occurredAt, at most RECENT_SANCTION_DEMANDS_PER_PARTY. */
  recent: SanctionDemandView[];
}

/** GET /v1/theatres/{t}/overview, live or as of an instant. */
export interface TheatreOverview {
  theatre: string;
  /** The reference instant of the event-time windows: now, or asOf. */
  at: string;
  reports: {
    deployments: number;
    casualties: number;
    ceasefireViolations: number;
    sanctionDemands: number;
    total: number;
  };
  firstOccurredAt: string | null;
  lastOccurredAt: string | null;
  personnel: { byActor: PartyEstimateSum[]; bySupportingParty: PartyEstimateSum[] };
  equipment: EquipmentSum[];
  casualties: CasualtyOverview[];
  ceasefireViolations: { last24h: ViolationWindow; last7d: ViolationWindow };
  sanctionDemands: DemandingPartyOverview[];
}

/** What the overview is made of: read from the tables, or folded in memory. */
export interface OverviewParts {
  theatre: string;
  /** deployments, casualties, ceasefire violations, sanction demands. */
  reportCounts: readonly [number, number, number, number];
  firstOccurredAt: string | null;
  lastOccurredAt: string | null;
  personnel: (PartyEstimateSum & { role: 'actor' | 'supporting' })[];
  equipment: EquipmentSum[];
  casualtyIncrements: (EstimateSum & { party: string; category: string; civilian: boolean })[];
  casualtyTotals: CasualtySourceTotal[];
  violations24h: PartyCount[];
  violations7d: PartyCount[];
  sanctionDemandParties: { demandingParty: string; reports: number }[];
  /** At least each party's most recent demands (more are trimmed). */
  recentSanctionDemands: (SanctionDemandView & { demandingParty: string })[];
}

/** The event-time windows of the violation counts at a reference instant. */
export function violationWindows(at: Date): {
  last24h: { from: Date; to: Date };
  last7d: { from: Date; to: Date };
} {
  return {
    last24h: { from: new Date(at.getTime() - 24 * HOUR_MS), to: at },
    last7d: { from: new Date(at.getTime() - 7 * 24 * HOUR_MS), to: at },
  };
}

/** Puts the parts in the overview's shape and order: one code path for live and asOf. */
export function assembleOverview(parts: OverviewParts, at: Date): TheatreOverview {
  const windows = violationWindows(at);
  const [deployments, casualties, ceasefireViolations, sanctionDemands] = parts.reportCounts;
  const byParty = (a: { party: string }, b: { party: string }) => compareText(a.party, b.party);
  const sum = ({ reports, low, best, high }: EstimateSum): EstimateSum => ({
    reports,
    low,
    best,
    high,
  });
  const personnelOf = (role: 'actor' | 'supporting') =>
    parts.personnel
      .filter((entry) => entry.role === role)
      .map((entry) => ({ party: entry.party, ...sum(entry) }))
      .sort(byParty);

  const casualtyGroups = new Map<string, CasualtyOverview>();
  const groupOf = (party: string, category: string, civilian: boolean): CasualtyOverview => {
    const id = `${party}\u0000${category}\u0000${civilian}`;
    let group = casualtyGroups.get(id);
    if (!group) {
      group = { party, category, civilian, increments: null, cumulative: null };
      casualtyGroups.set(id, group);
    }
    return group;
  };
  for (const entry of parts.casualtyIncrements) {
    groupOf(entry.party, entry.category, entry.civilian).increments = sum(entry);
  }
  const totalsByGroup = new Map<CasualtyOverview, CasualtySourceTotal[]>();
  for (const total of parts.casualtyTotals) {
    const group = groupOf(total.party, total.category, total.civilian);
    totalsByGroup.set(group, [...(totalsByGroup.get(group) ?? []), total]);
  }
  for (const [group, totals] of totalsByGroup) {
    group.cumulative = {
      sources: totals
        .map((total) => ({
          source: total.source,
          reportId: total.reportId,
          occurredAt: total.occurredAt,
          reliability: total.reliability,
          credibility: total.credibility,
          low: total.low,
          best: total.best,
          high: total.high,
        }))
        .sort((a, b) => compareText(a.source, b.source)),
      headline: casualtyHeadline(totals)!,
    };
  }

  const window = (range: { from: Date; to: Date }, counts: PartyCount[]): ViolationWindow => ({
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    total: counts.reduce((total, entry) => total + entry.count, 0),
    byAccusedParty: counts
      .map(({ party, count }) => ({ party, count }))
      .sort((a, b) => b.count - a.count || compareText(a.party, b.party)),
  });

  return {
    theatre: parts.theatre,
    at: at.toISOString(),
    reports: {
      deployments,
      casualties,
      ceasefireViolations,
      sanctionDemands,
      total: deployments + casualties + ceasefireViolations + sanctionDemands,
    },
    firstOccurredAt: parts.firstOccurredAt,
    lastOccurredAt: parts.lastOccurredAt,
    personnel: { byActor: personnelOf('actor'), bySupportingParty: personnelOf('supporting') },
    equipment: parts.equipment
      .map(({ actor, category, ...rest }) => ({ actor, category, ...sum(rest) }))
      .sort((a, b) => compareText(a.actor, b.actor) || compareText(a.category, b.category)),
    casualties: [...casualtyGroups.values()].sort(
      (a, b) =>
        compareText(a.party, b.party) ||
        compareText(a.category, b.category) ||
        Number(a.civilian) - Number(b.civilian),
    ),
    ceasefireViolations: {
      last24h: window(windows.last24h, parts.violations24h),
      last7d: window(windows.last7d, parts.violations7d),
    },
    sanctionDemands: parts.sanctionDemandParties
      .map(({ demandingParty, reports }) => ({
        demandingParty,
        active: reports,
        recent: parts.recentSanctionDemands
          .filter((demand) => demand.demandingParty === demandingParty)
          .sort(compareRecency)
          .slice(0, RECENT_SANCTION_DEMANDS_PER_PARTY)
          .map(({ reportId, occurredAt, demand, sanctions, condition }) => ({
            reportId,
            occurredAt,
            demand,
            sanctions,
            ...(condition ? { condition } : {}),
          })),
      }))
      .sort((a, b) => compareText(a.demandingParty, b.demandingParty)),
  };
}
