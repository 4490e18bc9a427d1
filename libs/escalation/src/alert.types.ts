import type { ReportType } from '@cm/contracts';
import type { Severity } from './rule.types';

/** docs/API.md's alert statuses; the engine itself only says open or resolved. */
export type AlertStatus = 'open' | 'acknowledged' | 'resolved';

export interface AlertEvidence {
  reportId: string;
  type: ReportType;
  /** ISO 8601, as the report's occurredAt. */
  occurredAt: string;
}

/** An alert as docs/API.md shapes it. */
export interface Alert {
  /** Deterministic: replaying the same history gives the same ids (see alert-id.ts). */
  alertId: string;
  rule: string;
  theatre: string;
  severity: Severity;
  status: AlertStatus;
  summary: string;
  /** The occurredAt of the earliest evidence (event time). */
  windowStart: string;
  /** The occurredAt of the latest evidence (event time). */
  windowEnd: string;
  /** The recordedAt of the event that raised it: recorded time, never the wall clock. */
  raisedAt: string;
  /** Ordered by occurredAt, then reportId. */
  evidence: AlertEvidence[];
}

/**
 * What applying one event did to the alerts. `raised`: a new alert. `updated`: an open alert
 * whose evidence, window or summary changed (a note says why when a report was corrected or
 * retracted). `resolved`: the rule no longer holds on the alert's evidence, after a correction,
 * a retraction or a late report; the alert keeps its last evidence and the note says why.
 * `previous` (with the engine option `withPrevious`): the alert as the engine had it before
 * the change (its own object, shared: do not change it).
 */
export type AlertChange =
  | { change: 'raised'; alert: Alert }
  | { change: 'updated'; alert: Alert; note?: string; previous?: Alert }
  | { change: 'resolved'; alert: Alert; note: string; previous?: Alert };
