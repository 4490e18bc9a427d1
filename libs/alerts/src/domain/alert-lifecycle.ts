import type { Alert } from '@cm/escalation';
import type { AlertChangeKind, StoredAlert } from './stored-alert';

/**
 * The lifecycle of an alert, in one place. Pure: the caller passes the stored alert (or none),
 * what happened, and the time.
 *
 * Statuses: open -> acknowledged -> resolved, or open -> resolved. Users move an alert forward
 * only; the engine can only resolve. The engine keeps updating an alert's evidence within its
 * cooldown whatever its status, but it never reopens one: more evidence on an acknowledged
 * alert leaves it acknowledged, and on a resolved one leaves it resolved (the change is still
 * recorded and streamed). An engine resolve of an alert a user already resolved changes
 * nothing; a user's acknowledge or resolve of an alert the engine resolved is refused.
 */

/** What the engine said about one alert in one batch: its latest content and status. */
export interface EngineVerdict {
  alert: Alert;
  /** The note of the engine's last resolve or update, when it gave one. */
  note?: string;
  /** Recorded time of the event that caused it (deterministic, unlike the wall clock). */
  at: string;
  /** The alert as the engine first raised it in this batch, when it did. */
  raised?: { alert: Alert; at: string };
}

export interface LifecycleStep {
  alert: StoredAlert;
  change: AlertChangeKind;
}

/**
 * The stored alert after the engine's verdict, or undefined when nothing a client can see
 * changed (an engine resolve of an alert a user resolved, or an update that changed nothing).
 */
export function applyEngineVerdict(
  stored: StoredAlert | undefined,
  verdict: EngineVerdict,
  now: string,
): LifecycleStep | undefined {
  const { alert } = verdict;
  const engineStatus = alert.status === 'resolved' ? 'resolved' : 'open';
  const content = {
    alertId: alert.alertId,
    rule: alert.rule,
    theatre: alert.theatre,
    severity: alert.severity,
    summary: alert.summary,
    windowStart: alert.windowStart,
    windowEnd: alert.windowEnd,
    raisedAt: alert.raisedAt,
    evidence: alert.evidence,
  };
  const engineResolution =
    engineStatus === 'resolved'
      ? { at: verdict.at, by: 'engine' as const, note: verdict.note ?? null }
      : null;
  if (!stored) {
    return {
      change: engineStatus === 'resolved' ? 'resolved' : 'raised',
      alert: {
        ...content,
        status: engineStatus,
        engineStatus,
        acknowledgement: null,
        resolution: engineResolution,
        updatedAt: now,
      },
    };
  }
  if (stored.status === 'resolved' && engineStatus === 'resolved') {
    return undefined;
  }
  const resolvesNow = engineStatus === 'resolved' && stored.status !== 'resolved';
  const next: StoredAlert = {
    ...stored,
    ...content,
    // The first raise's time stays the alert's raisedAt.
    raisedAt: stored.raisedAt,
    engineStatus,
    status: resolvesNow ? 'resolved' : stored.status,
    resolution: resolvesNow ? engineResolution : stored.resolution,
    updatedAt: now,
  };
  if (!resolvesNow && sameContent(stored, next)) return undefined;
  return { change: resolvesNow ? 'resolved' : 'updated', alert: next };
}

/**
 * The steps of the engine's verdict on one alert in one batch. An alert raised and resolved
 * within the same batch is journaled as both, raised then resolved: subscribers of the stream
 * and the alert topic see the raise, and the journal does not depend on where batches end.
 */
export function engineSteps(
  stored: StoredAlert | undefined,
  verdict: EngineVerdict,
  now: string,
): LifecycleStep[] {
  if (!stored && verdict.raised && verdict.alert.status === 'resolved') {
    const first = applyEngineVerdict(undefined, verdict.raised, now);
    if (first) {
      const second = applyEngineVerdict(first.alert, verdict, now);
      return second ? [first, second] : [first];
    }
  }
  const step = applyEngineVerdict(stored, verdict, now);
  return step ? [step] : [];
}

export type UserAction = 'acknowledge' | 'resolve';

export type UserActionOutcome =
  | { ok: true; step: LifecycleStep }
  | { ok: false; reason: 'illegal_transition'; from: StoredAlert['status'] };

/**
 * A user's acknowledge or resolve: open -> acknowledged, open or acknowledged -> resolved.
 * `recordedBy` is the name of the key that did it.
 */
export function applyUserAction(
  stored: StoredAlert,
  action: UserAction,
  note: string | null,
  now: string,
  recordedBy: string,
): UserActionOutcome {
  if (action === 'acknowledge') {
    if (stored.status !== 'open')
      return { ok: false, reason: 'illegal_transition', from: stored.status };
    return {
      ok: true,
      step: {
        change: 'acknowledged',
        alert: {
          ...stored,
          status: 'acknowledged',
          acknowledgement: { at: now, note, recordedBy },
          updatedAt: now,
        },
      },
    };
  }
  if (stored.status === 'resolved') {
    return { ok: false, reason: 'illegal_transition', from: stored.status };
  }
  return {
    ok: true,
    step: {
      change: 'resolved',
      alert: {
        ...stored,
        status: 'resolved',
        resolution: { at: now, by: 'user', note, recordedBy },
        updatedAt: now,
      },
    },
  };
}

function sameContent(a: StoredAlert, b: StoredAlert): boolean {
  return (
    a.summary === b.summary &&
    a.severity === b.severity &&
    a.windowStart === b.windowStart &&
    a.windowEnd === b.windowEnd &&
    a.engineStatus === b.engineStatus &&
    sameEvidence(a.evidence, b.evidence)
  );
}

function sameEvidence(a: StoredAlert['evidence'], b: StoredAlert['evidence']): boolean {
  return (
    a === b ||
    (a.length === b.length &&
      a.every(
        (item, index) =>
          item === b[index] ||
          (item.reportId === b[index].reportId &&
            item.occurredAt === b[index].occurredAt &&
            item.type === b[index].type),
      ))
  );
}
