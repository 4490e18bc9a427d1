import type { Correction, Report } from '@cm/contracts';
import type { ReportHistoryEvent } from './report-history';
import { foldReportHistory } from './report-history';
import { givenReport, type GivenEvent } from './report-history.testing';

const filed = {
  reportId: 'kp-arrival-2024-12-01',
  type: 'deployment',
  theatre: 'russia-ukraine',
  occurredAt: '2024-12-01T00:00:00.000Z',
  occurredPrecision: 'day',
  reportedAt: '2024-12-02T08:00:00.000Z',
  source: { name: 'Ministry of Defence', kind: 'government', reliability: 'B', credibility: 2 },
  details: { actor: 'KP', supporting: 'RU', movement: 'arrival', personnel: { best: 3000 } },
} as unknown as Report;

const at = (version: number, type: string, data: unknown): ReportHistoryEvent => ({
  type,
  streamVersion: version,
  position: version * 10,
  recordedAt: new Date('2024-12-03T00:00:00Z'),
  data,
});

const reported = at(1, 'DeploymentReported', filed);
const correctedDetails = {
  actor: 'KP',
  supporting: 'RU',
  movement: 'arrival',
  personnel: { best: 1500 },
};

describe('a report’s history', () => {
  it('given no events, then there is no report', () => {
    expect(foldReportHistory([])).toBeUndefined();
  });

  it('given a filing, then the report stands at version 1 as filed', () => {
    expect(foldReportHistory([reported])).toMatchObject({
      reportId: filed.reportId,
      type: 'deployment',
      theatre: 'russia-ukraine',
      version: 1,
      retracted: false,
      report: filed,
    });
  });

  it('given a correction, then details and occurredAt are replaced and the version moves on', () => {
    const state = foldReportHistory([
      reported,
      at(2, 'ReportCorrected', {
        details: correctedDetails,
        occurredAt: '2024-11-30T00:00:00.000Z',
        reason: 'revised estimate',
      }),
    ]);
    expect(state?.version).toBe(2);
    expect(state?.report.details).toEqual(correctedDetails);
    expect(state?.report.occurredAt).toBe('2024-11-30T00:00:00.000Z');
    expect(state?.report.reportedAt).toBe(filed.reportedAt);
  });

  it('given a retraction, then it is retracted with its reason', () => {
    const state = foldReportHistory([reported, at(2, 'ReportRetracted', { reason: 'fabricated' })]);
    expect(state).toMatchObject({ version: 2, retracted: true, retractionReason: 'fabricated' });
  });
});

describe('deciding a correction', () => {
  const filing: GivenEvent = ['DeploymentReported', filed];
  const retraction: GivenEvent = ['ReportRetracted', { reason: 'x' }];
  const correction = (overrides: Partial<Correction> = {}): Correction =>
    ({
      expectedVersion: 1,
      details: correctedDetails,
      reason: 'revised',
      ...overrides,
    }) as Correction;

  it('given the current version, then a ReportCorrected event is decided', () => {
    const { decision } = givenReport(filing).when({ correct: correction() });
    expect(decision).toEqual({
      ok: true,
      event: {
        type: 'ReportCorrected',
        data: {
          reportId: filed.reportId,
          reportType: 'deployment',
          theatre: 'russia-ukraine',
          details: correctedDetails,
          occurredAt: filed.occurredAt,
          reason: 'revised',
        },
      },
    });
  });

  it('given a stale version, then it is refused as stale', () => {
    givenReport(filing)
      .when({ correct: correction({ expectedVersion: 2 }) })
      .thenRefused({ code: 'REPORT.STALE_VERSION' });
  });

  it('given a retracted report, then it is refused', () => {
    givenReport(filing, retraction)
      .when({ correct: correction({ expectedVersion: 2 }) })
      .thenRefused({ code: 'REPORT.RETRACTED' });
  });

  it('given an occurredAt later than reportedAt + 1 day, then it is refused on that path', () => {
    givenReport(filing)
      .when({ correct: correction({ occurredAt: '2024-12-03T08:00:00.000Z' }) })
      .then({ event: { type: 'ReportCorrected' } });
    givenReport(filing)
      .when({ correct: correction({ occurredAt: '2024-12-03T08:00:00.001Z' }) })
      .thenRefused({ code: 'REPORT.INVALID_CORRECTION', path: 'occurredAt' });
  });
});

describe('deciding a retraction', () => {
  const filing: GivenEvent = ['DeploymentReported', filed];

  it('given no expectedVersion, then it applies to the current version', () => {
    givenReport(filing)
      .when({ retract: { reason: 'duplicate of another report' } })
      .then({ expectedVersion: 1, event: { type: 'ReportRetracted' } });
  });

  it('given a stale expectedVersion, then it is refused', () => {
    givenReport(filing)
      .when({ retract: { expectedVersion: 3, reason: 'x' } })
      .thenRefused({ code: 'REPORT.STALE_VERSION' });
  });

  it('given an already retracted report, then it is refused', () => {
    givenReport(filing, ['ReportRetracted', { reason: 'x' }])
      .when({ retract: { reason: 'again' } })
      .thenRefused({ code: 'REPORT.RETRACTED' });
  });
});
