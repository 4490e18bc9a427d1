import type { Alert, AlertStatus } from '@cm/escalation';

/** Who resolved an alert: a user (POST /resolve) or the engine (its evidence fell below the rule). */
export type ResolvedBy = 'user' | 'engine';

/**
 * An alert as the alerter stores it. The engine owns the content (summary, window, evidence)
 * and `engineStatus`; users own `status` through acknowledge and resolve. See
 * docs/ARCHITECTURE.md ("Alert lifecycle").
 */
export interface StoredAlert extends Omit<Alert, 'status'> {
  status: AlertStatus;
  engineStatus: 'open' | 'resolved';
  acknowledgement: Acknowledgement | null;
  resolution: Resolution | null;
  updatedAt: string;
}

/** `recordedBy`: the name of the API key that acknowledged (absent for older alerts). */
export interface Acknowledgement {
  at: string;
  note: string | null;
  recordedBy?: string;
}

/** `recordedBy`: the name of the API key of a user's resolve (never the engine's). */
export interface Resolution {
  at: string;
  by: ResolvedBy;
  note: string | null;
  recordedBy?: string;
}

/** The alert JSON of the API, the SSE stream and the journal: docs/API.md's fields, then ours. */
export interface AlertView extends Alert {
  acknowledgement?: Acknowledgement;
  resolution?: Resolution;
  updatedAt: string;
}

export type AlertChangeKind = 'raised' | 'updated' | 'resolved' | 'acknowledged';

export function alertView(alert: StoredAlert): AlertView {
  const view: AlertView = {
    alertId: alert.alertId,
    rule: alert.rule,
    theatre: alert.theatre,
    severity: alert.severity,
    status: alert.status,
    summary: alert.summary,
    windowStart: alert.windowStart,
    windowEnd: alert.windowEnd,
    raisedAt: alert.raisedAt,
    evidence: alert.evidence,
    updatedAt: alert.updatedAt,
  };
  if (alert.acknowledgement) view.acknowledgement = alert.acknowledgement;
  if (alert.resolution) view.resolution = alert.resolution;
  return view;
}

/** Whether an alert counts in the open-alert counts: open or acknowledged (not yet resolved). */
export function isUnresolved(status: AlertStatus): boolean {
  return status !== 'resolved';
}
