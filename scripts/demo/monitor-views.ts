/**
 * What the demo reads from the monitor's JSON, as an outside client sees it (docs/API.md and
 * docs/READ-MODELS.md). Only the fields it prints; every one optional in spirit, so a field the
 * server leaves out prints as a dash instead of failing the demo.
 */

export interface Estimate {
  reports?: number;
  low?: number;
  best: number;
  high?: number;
}

export interface PartyEstimate extends Estimate {
  party: string;
}

export interface TheatreOverviewView {
  theatre: string;
  at?: string;
  reports?: {
    deployments: number;
    casualties: number;
    ceasefireViolations: number;
    sanctionDemands: number;
    total: number;
  };
  firstOccurredAt?: string | null;
  lastOccurredAt?: string | null;
  personnel?: { byActor?: PartyEstimate[]; bySupportingParty?: PartyEstimate[] };
  equipment?: (Estimate & { actor: string; category: string })[];
  casualties?: {
    party: string;
    category: string;
    civilian: boolean;
    increments: Estimate | null;
    cumulative: {
      sources: (Estimate & { source: string; reliability: string; credibility: number })[];
      headline: Estimate & { source: string };
    } | null;
  }[];
  ceasefireViolations?: {
    last24h: { total: number; byAccusedParty: { party: string; count: number }[] };
    last7d: { total: number; byAccusedParty: { party: string; count: number }[] };
  };
  sanctionDemands?: {
    demandingParty: string;
    active: number;
    recent: {
      reportId: string;
      occurredAt: string;
      demand: string;
      sanctions: { imposedBy: string; target: string; measure: string }[];
      condition?: { kind: string; ceasefire: string };
    }[];
  }[];
  /** Open alerts, when the overview carries them (a count or a list). */
  openAlerts?: number | unknown[];
}

export interface AlertView {
  alertId: string;
  rule: string;
  theatre: string;
  severity: string;
  status: string;
  summary: string;
  windowStart: string;
  windowEnd: string;
  raisedAt: string;
  evidence: { reportId: string; type: string; occurredAt: string }[];
  resolution?: { at: string; by: string; note: string | null };
}
