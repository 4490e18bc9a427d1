import type { Alert } from '@cm/escalation';
import { applyEngineVerdict, applyUserAction, engineSteps } from './alert-lifecycle';
import type { StoredAlert } from './stored-alert';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-02T00:00:00.000Z';
const T2 = '2026-01-03T00:00:00.000Z';

function engineAlert(overrides: Partial<Alert> = {}): Alert {
  return {
    alertId: '00000000-0000-8000-8000-000000000001',
    rule: 'ceasefire-breakdown',
    theatre: 'black-sea',
    severity: 'high',
    status: 'open',
    summary: '3 violations',
    windowStart: '2025-12-01T00:00:00.000Z',
    windowEnd: '2025-12-02T00:00:00.000Z',
    raisedAt: T0,
    evidence: [
      { reportId: 'r1', type: 'ceasefire_violation', occurredAt: '2025-12-01T00:00:00.000Z' },
    ],
    ...overrides,
  };
}

function raised(): StoredAlert {
  const step = applyEngineVerdict(undefined, { alert: engineAlert(), at: T0 }, T0);
  if (!step) throw new Error('expected a step');
  return step.alert;
}

const moreEvidence = engineAlert({
  summary: '4 violations',
  windowEnd: '2025-12-03T00:00:00.000Z',
  evidence: [
    ...engineAlert().evidence,
    { reportId: 'r2', type: 'ceasefire_violation', occurredAt: '2025-12-03T00:00:00.000Z' },
  ],
});

describe('alert lifecycle', () => {
  describe('given the engine raises an alert', () => {
    it('stores it open, with no acknowledgement or resolution', () => {
      const alert = raised();
      expect(alert).toMatchObject({ status: 'open', engineStatus: 'open', acknowledgement: null });
      expect(alert.resolution).toBeNull();
    });

    it('stores an alert raised and resolved in one batch as resolved by the engine', () => {
      const step = applyEngineVerdict(
        undefined,
        { alert: engineAlert({ status: 'resolved' }), at: T1, note: 'retracted' },
        T2,
      );
      expect(step?.change).toBe('resolved');
      expect(step?.alert.resolution).toEqual({ at: T1, by: 'engine', note: 'retracted' });
    });

    it('journals an alert raised and resolved in one batch as raised, then resolved', () => {
      const steps = engineSteps(
        undefined,
        {
          alert: engineAlert({ status: 'resolved', summary: '2 violations' }),
          at: T1,
          note: 'retracted',
          raised: { alert: engineAlert(), at: T0 },
        },
        T2,
      );
      expect(steps.map((step) => step.change)).toEqual(['raised', 'resolved']);
      expect(steps[0].alert).toMatchObject({
        status: 'open',
        summary: '3 violations',
        raisedAt: T0,
      });
      expect(steps[1].alert).toMatchObject({
        status: 'resolved',
        summary: '2 violations',
        raisedAt: T0,
        resolution: { at: T1, by: 'engine', note: 'retracted' },
      });
    });

    it('journals one step when the alert was stored before the batch', () => {
      const steps = engineSteps(
        raised(),
        {
          alert: engineAlert({ status: 'resolved' }),
          at: T1,
          raised: { alert: engineAlert(), at: T0 },
        },
        T2,
      );
      expect(steps.map((step) => step.change)).toEqual(['resolved']);
    });
  });

  describe('when a user acts', () => {
    it('acknowledges an open alert, then resolves it, each recording the key that did it', () => {
      const acked = applyUserAction(raised(), 'acknowledge', 'looking', T1, 'duty-desk');
      expect(acked).toMatchObject({ ok: true, step: { change: 'acknowledged' } });
      if (!acked.ok) return;
      expect(acked.step.alert.acknowledgement).toEqual({
        at: T1,
        note: 'looking',
        recordedBy: 'duty-desk',
      });
      const resolved = applyUserAction(acked.step.alert, 'resolve', null, T2, 'analyst-2');
      expect(resolved).toMatchObject({ ok: true, step: { change: 'resolved' } });
      if (!resolved.ok) return;
      expect(resolved.step.alert).toMatchObject({
        status: 'resolved',
        resolution: { at: T2, by: 'user', note: null, recordedBy: 'analyst-2' },
        acknowledgement: { at: T1, note: 'looking', recordedBy: 'duty-desk' },
      });
    });

    it('resolves an open alert directly', () => {
      expect(applyUserAction(raised(), 'resolve', 'false alarm', T1, 'desk')).toMatchObject({
        ok: true,
        step: { alert: { status: 'resolved' } },
      });
    });

    it.each([
      ['acknowledge', 'acknowledged'],
      ['acknowledge', 'resolved'],
      ['resolve', 'resolved'],
    ] as const)('refuses to %s an alert that is %s', (action, status) => {
      const alert: StoredAlert = { ...raised(), status };
      expect(applyUserAction(alert, action, null, T1, 'desk')).toEqual({
        ok: false,
        reason: 'illegal_transition',
        from: status,
      });
    });
  });

  describe('when the engine changes an alert a user acted on', () => {
    it('keeps an acknowledged alert acknowledged when evidence grows', () => {
      const acked = { ...raised(), status: 'acknowledged' as const };
      const step = applyEngineVerdict(acked, { alert: moreEvidence, at: T1 }, T2);
      expect(step).toMatchObject({ change: 'updated', alert: { status: 'acknowledged' } });
      expect(step?.alert.evidence).toHaveLength(2);
      expect(step?.alert.raisedAt).toBe(T0);
    });

    it('keeps a user-resolved alert resolved when evidence grows, recording the evidence', () => {
      const resolved = applyUserAction(raised(), 'resolve', 'handled', T1, 'desk');
      if (!resolved.ok) throw new Error('expected ok');
      const step = applyEngineVerdict(resolved.step.alert, { alert: moreEvidence, at: T2 }, T2);
      expect(step).toMatchObject({
        change: 'updated',
        alert: { status: 'resolved', resolution: { by: 'user', note: 'handled' } },
      });
    });

    it('ignores an engine resolve of an alert a user resolved', () => {
      const resolved = applyUserAction(raised(), 'resolve', 'handled', T1, 'desk');
      if (!resolved.ok) throw new Error('expected ok');
      const verdict = { alert: engineAlert({ status: 'resolved' }), at: T2, note: 'retracted' };
      expect(applyEngineVerdict(resolved.step.alert, verdict, T2)).toBeUndefined();
    });

    it('resolves an acknowledged alert when its evidence falls below the rule', () => {
      const acked = { ...raised(), status: 'acknowledged' as const };
      const verdict = { alert: engineAlert({ status: 'resolved' }), at: T2, note: 'retracted' };
      expect(applyEngineVerdict(acked, verdict, T2)).toMatchObject({
        change: 'resolved',
        alert: { status: 'resolved', engineStatus: 'resolved', resolution: { by: 'engine' } },
      });
    });

    it('records nothing when the engine repeats what is stored', () => {
      expect(applyEngineVerdict(raised(), { alert: engineAlert(), at: T1 }, T1)).toBeUndefined();
    });
  });
});
