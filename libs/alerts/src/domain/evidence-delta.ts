import type { AlertEvidence } from '@cm/escalation';

/** What a change did to an alert's evidence: the entries it added and those it removed. */
export interface EvidenceDelta {
  /** In the order of the new evidence. */
  added: AlertEvidence[];
  /** In the order of the old evidence. */
  removed: AlertEvidence[];
}

/**
 * The difference between an alert's old and new evidence (each a list in which a reportId
 * appears once). An entry whose report is in both lists with another type or occurredAt (a
 * corrected report) is removed and added. The engine's lists share their entries from one
 * update to the next and mostly change at the ends, so the common head and tail are skipped by
 * a walk; what is left is compared by reportId, whatever its order.
 */
export function evidenceDelta(
  before: readonly AlertEvidence[],
  after: readonly AlertEvidence[],
): EvidenceDelta {
  const delta: EvidenceDelta = { added: [], removed: [] };
  if (before === after) return delta;
  let start = 0;
  const shared = Math.min(before.length, after.length);
  while (start < shared && sameEntry(before[start], after[start])) start++;
  let beforeEnd = before.length;
  let afterEnd = after.length;
  while (
    beforeEnd > start &&
    afterEnd > start &&
    sameEntry(before[beforeEnd - 1], after[afterEnd - 1])
  ) {
    beforeEnd--;
    afterEnd--;
  }
  if (beforeEnd === start) {
    for (let index = start; index < afterEnd; index++) delta.added.push(after[index]);
    return delta;
  }
  if (afterEnd === start) {
    for (let index = start; index < beforeEnd; index++) delta.removed.push(before[index]);
    return delta;
  }
  const old = new Map<string, AlertEvidence>();
  for (let index = start; index < beforeEnd; index++)
    old.set(before[index].reportId, before[index]);
  const kept = new Set<AlertEvidence>();
  for (let index = start; index < afterEnd; index++) {
    const entry = after[index];
    const previous = old.get(entry.reportId);
    if (previous !== undefined && sameEntry(previous, entry)) kept.add(previous);
    else delta.added.push(entry);
  }
  for (let index = start; index < beforeEnd; index++) {
    if (!kept.has(before[index])) delta.removed.push(before[index]);
  }
  return delta;
}

function sameEntry(a: AlertEvidence, b: AlertEvidence): boolean {
  return (
    a === b || (a.reportId === b.reportId && a.occurredAt === b.occurredAt && a.type === b.type)
  );
}
