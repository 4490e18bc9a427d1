/** The API's answers, as far as the console reads them. */

export type Severity = 'low' | 'medium' | 'high' | 'critical';
export type AlertStatus = 'open' | 'acknowledged' | 'resolved';

export interface Alert {
  alertId: string;
  rule: string;
  theatre: string;
  severity: Severity;
  status: AlertStatus;
  summary: string;
  windowStart: string;
  windowEnd: string;
  raisedAt: string;
  evidence: { reportId: string; type: string; occurredAt: string }[];
  acknowledgement?: { note?: string; at?: string; by?: string };
  resolution?: { note?: string; at?: string; by?: string };
}

export interface TheatreSummary {
  theatre: string;
  reports: {
    total: number;
    deployments: number;
    casualties: number;
    ceasefireViolations: number;
    sanctionDemands: number;
  };
  firstOccurredAt: string | null;
  lastOccurredAt: string | null;
  openAlerts: number;
}

export interface Estimate {
  reports?: number;
  low?: number;
  best: number;
  high?: number;
}

export interface Overview {
  theatre: string;
  at: string;
  reports: TheatreSummary['reports'];
  firstOccurredAt: string | null;
  lastOccurredAt: string | null;
  personnel: {
    byActor: (Estimate & { party: string })[];
    bySupportingParty: (Estimate & { party: string })[];
  };
  equipment: (Estimate & { actor: string; category: string })[];
  casualties: {
    party: string;
    category: string;
    civilian: boolean;
    increments: Estimate | null;
    cumulative: {
      sources: (Estimate & {
        source: string;
        reportId: string;
        occurredAt: string;
        reliability: string;
        credibility: number;
      })[];
      headline: Estimate & Record<string, unknown>;
    } | null;
  }[];
  ceasefireViolations: Record<
    'last24h' | 'last7d',
    { from: string; to: string; total: number; byAccusedParty: { party: string; count: number }[] }
  >;
  sanctionDemands: {
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
  openAlerts: number;
}

export interface Location {
  name?: string;
  country?: string;
  lat: number;
  lon: number;
  precision: 'exact' | 'near' | 'region' | 'country' | 'sea';
}

export interface Report {
  reportId: string;
  type: 'deployment' | 'casualty' | 'ceasefire_violation' | 'sanction_demand';
  theatre: string;
  occurredAt: string;
  reportedAt: string;
  source: { name: string; kind: string; reliability: string; credibility: number; url?: string };
  location?: Location;
  details: Record<string, unknown>;
  version?: number;
}

export interface ReportView {
  reportId: string;
  type: string;
  theatre: string;
  version: number;
  retracted: boolean;
  retractionReason?: string | null;
  report: Report;
  history: {
    version: number;
    type: string;
    position: number;
    recordedAt: string;
    data: Record<string, unknown>;
    metadata?: { recordedBy?: string; requestId?: string };
  }[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Series {
  measure: string;
  interval: string;
  buckets: { start: string; values: Record<string, number> }[];
}
