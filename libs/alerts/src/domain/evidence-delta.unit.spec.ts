import type { AlertEvidence } from '@cm/escalation';
import { evidenceDelta } from './evidence-delta';

function item(reportId: string, minute: number, type = 'deployment'): AlertEvidence {
  return {
    reportId,
    type: type as AlertEvidence['type'],
    occurredAt: new Date(Date.UTC(2025, 2, 1, 0, minute)).toISOString(),
  };
}

const ids = (items: readonly AlertEvidence[]) => items.map((entry) => entry.reportId);

describe('evidenceDelta', () => {
  const a = item('a', 1);
  const b = item('b', 2);
  const c = item('c', 3);
  const d = item('d', 4);

  it('is empty for the same list or equal entries', () => {
    const list = [a, b];
    expect(evidenceDelta(list, list)).toEqual({ added: [], removed: [] });
    expect(evidenceDelta([a, b], [{ ...a }, { ...b }])).toEqual({ added: [], removed: [] });
  });

  it('finds entries added or removed at either end or in the middle', () => {
    expect(ids(evidenceDelta([a, b], [a, b, c]).added)).toEqual(['c']);
    expect(ids(evidenceDelta([b, c], [a, b, c]).added)).toEqual(['a']);
    expect(evidenceDelta([a, b, c], [a, c])).toEqual({ added: [], removed: [b] });
    expect(evidenceDelta([a, b, c, d], [b, d])).toEqual({ added: [], removed: [a, c] });
    expect(evidenceDelta([], [a, b])).toEqual({ added: [a, b], removed: [] });
    expect(evidenceDelta([a, b], [])).toEqual({ added: [], removed: [a, b] });
  });

  it('removes and adds a corrected report (another type or time)', () => {
    const retyped = item('b', 2, 'incident');
    expect(evidenceDelta([a, b, c], [a, retyped, c])).toEqual({ added: [retyped], removed: [b] });
    const moved = item('b', 5);
    expect(evidenceDelta([a, b, c, d], [a, c, d, moved])).toEqual({
      added: [moved],
      removed: [b],
    });
  });

  it('does not depend on the middle being in the same order', () => {
    expect(evidenceDelta([a, c, b, d], [a, b, c, d])).toEqual({ added: [], removed: [] });
  });
});
