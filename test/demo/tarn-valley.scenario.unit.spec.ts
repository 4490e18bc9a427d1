import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  EVENT_TYPES,
  reportedEventFor,
  validateCorrection,
  validateReport,
  validateRetraction,
} from '@cm/contracts';
import type { Report } from '@cm/contracts';
import { backtest, parseRuleFiles } from '@cm/escalation';
import type { Alert, EngineEvent } from '@cm/escalation';
import { tarnValleyScenario } from '../../scripts/demo/tarn-valley.scenario';
import type { Scenario } from '../../scripts/demo/tarn-valley.scenario';

const NOW = new Date('2026-11-25T10:30:00.000Z');

function defaultRules() {
  const dir = join(__dirname, '../../infra/rules');
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => ({ name, content: readFileSync(join(dir, name), 'utf8') }));
  const parsed = parseRuleFiles(files);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.rules;
}

/** The scenario as the store would hold it after the demo ran: one event per step. */
function storedEvents(scenario: Scenario): EngineEvent[] {
  const reports = new Map<string, Report>();
  return scenario.steps.map((step, index) => {
    const position = index + 1;
    const recordedAt = new Date(NOW.getTime() + index * 1000);
    switch (step.kind) {
      case 'file': {
        reports.set(step.report.reportId, step.report);
        const event = reportedEventFor(step.report);
        return { position, recordedAt, type: event.type, data: event.data };
      }
      case 'correct': {
        const report = reports.get(step.reportId)!;
        return {
          position,
          recordedAt,
          type: EVENT_TYPES.ReportCorrected,
          data: {
            reportId: report.reportId,
            reportType: report.type,
            theatre: report.theatre,
            details: step.details,
            occurredAt: report.occurredAt,
            reason: step.reason,
          },
        };
      }
      case 'retract': {
        const report = reports.get(step.reportId)!;
        return {
          position,
          recordedAt,
          type: EVENT_TYPES.ReportRetracted,
          data: {
            reportId: report.reportId,
            reportType: report.type,
            theatre: report.theatre,
            reason: step.reason,
          },
        };
      }
    }
  });
}

describe('the demo scenario (scripts/demo/tarn-valley.scenario.ts)', () => {
  const scenario = tarnValleyScenario(NOW);
  const filed = scenario.steps.flatMap((step) => (step.kind === 'file' ? [step.report] : []));

  it('is a few dozen reports of all four types over six weeks ending before the day it runs', () => {
    expect(scenario.anchor.toISOString()).toBe('2026-11-25T00:00:00.000Z');
    expect(filed.length).toBeGreaterThanOrEqual(30);
    expect(new Set(filed.map((report) => report.type))).toEqual(
      new Set(['deployment', 'casualty', 'ceasefire_violation', 'sanction_demand']),
    );
    const occurred = filed.map((report) => Date.parse(report.occurredAt));
    expect(Math.max(...occurred) - Math.min(...occurred)).toBeGreaterThan(5 * 7 * 86_400_000);
    for (const report of filed) {
      expect(Date.parse(report.reportedAt)).toBeLessThanOrEqual(scenario.anchor.getTime());
      expect(report.theatre).toBe('tarn-valley');
    }
  });

  it('passes the contract validation, report by report, as the ingest API will judge it', () => {
    for (const report of filed) {
      const result = validateReport(report, { now: NOW });
      expect({ reportId: report.reportId, ...result }).toEqual({
        reportId: report.reportId,
        ok: true,
        value: report,
      });
    }
    for (const step of scenario.steps) {
      if (step.kind === 'correct') {
        const type = filed.find((report) => report.reportId === step.reportId)!.type;
        const body = { expectedVersion: 1, details: step.details, reason: step.reason };
        expect(validateCorrection(body, type, { now: NOW })).toMatchObject({ ok: true });
      }
      if (step.kind === 'retract') {
        expect(validateRetraction({ reason: step.reason })).toMatchObject({ ok: true });
      }
    }
  });

  it('has unique report ids that carry the day, so a rerun the same day sends the same reports', () => {
    const ids = filed.map((report) => report.reportId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^tarn-20261125-/);
    expect(tarnValleyScenario(new Date('2026-11-25T23:59:59.000Z'))).toEqual(scenario);
    expect(tarnValleyScenario(new Date('2026-11-26T00:00:00.000Z')).steps[0]).not.toEqual(
      scenario.steps[0],
    );
  });

  it('corrects one filed report and retracts another, then files a late one', () => {
    const kinds = scenario.steps.map((step) => step.kind);
    expect(kinds.filter((kind) => kind === 'correct')).toHaveLength(1);
    expect(kinds.filter((kind) => kind === 'retract')).toHaveLength(1);
    const late = scenario.steps[scenario.steps.length - 1];
    expect(late.kind).toBe('file');
  });

  describe('through the default rules, as the alerter will see it', () => {
    const alerts = backtest(defaultRules(), storedEvents(scenario));
    const byRule = (rule: string): Alert[] => alerts.filter((alert) => alert.rule === rule);
    const ids = (alert: Alert): string[] =>
      alert.evidence.map((item) => item.reportId.replace('tarn-20261125-', ''));

    it('makes every default rule fire', () => {
      expect(alerts.map((alert) => alert.rule).sort()).toEqual([
        'casualty-spike',
        'ceasefire-breakdown',
        'ceasefire-breakdown',
        'foreign-reinforcement',
        'heavy-weapons-transfer',
        'reinforcement-during-ceasefire',
        'sanctions-precondition',
      ]);
    });

    it('breaks the truce twice: the first alert takes the late report, the retraction resolves the second', () => {
      const [first, second] = byRule('ceasefire-breakdown');
      expect(first.status).toBe('open');
      expect(ids(first).sort()).toEqual([
        'vio-kestria-d25',
        'vio-kestria-d27',
        'vio-mission-late-d26',
        'vio-valdmark-d26',
      ]);
      expect(second.status).toBe('resolved');
      // A resolved alert keeps the evidence it last had; the note says what took it away.
      expect(ids(second)).toContain('vio-tv-claim-d11');
    });

    it('flags Orsova’s troops and rockets for Valdmark, during the breakdown', () => {
      expect(ids(byRule('foreign-reinforcement')[0])).toEqual(['dep-orsova-arrival-d25']);
      expect(ids(byRule('heavy-weapons-transfer')[0])).toEqual(['dep-orsova-rockets-d24']);
      expect(ids(byRule('reinforcement-during-ceasefire')[0])).toEqual(
        expect.arrayContaining(['dep-orsova-arrival-d25', 'dep-orsova-rockets-d24']),
      );
      expect(ids(byRule('sanctions-precondition')[0])).toContain('dem-valdmark-lift-d20');
    });

    it('sees the casualty spike of the last week, with the corrected count in its summary', () => {
      const [spike] = byRule('casualty-spike');
      expect(spike.status).toBe('open');
      expect(ids(spike)).toEqual(
        expect.arrayContaining([
          'cas-valdmark-d6',
          'cas-kestria-kw-d4',
          'cas-kestria-civilians-d2',
        ]),
      );
      expect(spike.summary).toMatch(/152 casualties/);
    });
  });
});
