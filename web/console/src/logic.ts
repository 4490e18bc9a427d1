/** The console's pure decisions, kept apart from the views so that unit tests can reach them. */
import { SEVERITY_RANK } from './format';
import type { Alert, Severity, TheatreSummary } from './types';

/** Most urgent first: the worst unresolved alert, then how many, then the latest report. */
export function byUrgency(
  theatres: TheatreSummary[],
  alerts: Alert[],
): (TheatreSummary & { worst?: Severity })[] {
  const worst = new Map<string, Severity>();
  for (const alert of alerts) {
    if (alert.status === 'resolved') continue;
    const now = worst.get(alert.theatre);
    if (!now || SEVERITY_RANK[alert.severity] > SEVERITY_RANK[now])
      worst.set(alert.theatre, alert.severity);
  }
  return theatres
    .map((theatre) => ({ ...theatre, worst: worst.get(theatre.theatre) }))
    .sort(
      (a, b) =>
        (b.worst ? SEVERITY_RANK[b.worst] : 0) - (a.worst ? SEVERITY_RANK[a.worst] : 0) ||
        b.openAlerts - a.openAlerts ||
        (b.lastOccurredAt ?? '').localeCompare(a.lastOccurredAt ?? '') ||
        a.theatre.localeCompare(b.theatre),
    );
}

/** Unresolved first (open before acknowledged), worst first, newest first. */
export function alertOrder(a: Alert, b: Alert): number {
  const statusRank = (alert: Alert) =>
    alert.status === 'open' ? 0 : alert.status === 'acknowledged' ? 1 : 2;
  return (
    statusRank(a) - statusRank(b) ||
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    b.raisedAt.localeCompare(a.raisedAt)
  );
}

/** Slider steps: the smallest of these that keeps the slider under 1,000 positions. */
const STEPS_MS = [1000, 60_000, 3_600_000, 86_400_000];

export function sliderStep(rangeMs: number): number {
  return (
    STEPS_MS.find((step) => rangeMs / step <= 1000) ??
    86_400_000 * Math.ceil(rangeMs / 86_400_000 / 1000)
  );
}
