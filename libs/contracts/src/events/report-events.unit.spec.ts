import { KAFKA_CONTENT_TYPE, KAFKA_HEADERS, TOPICS } from '../kafka-topics';
import {
  aCasualtyReport,
  aDeploymentReport,
  aSanctionDemandReport,
  aViolationReport,
} from '../testing';
import { validateReport } from '../validation/report.validation';
import type { Report } from '../report.types';
import type { ReportEvent } from './report-events';
import {
  EVENT_SCHEMA_VERSIONS,
  EVENT_TYPES,
  isReportedEvent,
  isReportEvent,
  reportedEventFor,
  reportStreamId,
} from './report-events';

const NOW = new Date('2026-01-01T00:00:00Z');

function validated(body: unknown): Report {
  const result = validateReport(body, { now: NOW });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

describe('report events', () => {
  it.each([
    ['deployment', aDeploymentReport, 'DeploymentReported'],
    ['casualty', aCasualtyReport, 'CasualtyReported'],
    ['ceasefire_violation', aViolationReport, 'CeasefireViolationReported'],
    ['sanction_demand', aSanctionDemandReport, 'SanctionDemandReported'],
  ] as const)(
    'given a validated %s report, then it is filed by %s carrying the whole report',
    (_type, build, eventType) => {
      const report = validated(build());
      expect(reportedEventFor(report)).toEqual({ type: eventType, data: report });
    },
  );

  it('given a reportId, then its stream is report-<reportId>', () => {
    expect(reportStreamId('kremlin-rosselkhozbank-swift-2025-03-25')).toBe(
      'report-kremlin-rosselkhozbank-swift-2025-03-25',
    );
  });

  it('then every event type is known, versioned 1, and nothing else is a report event', () => {
    for (const type of Object.values(EVENT_TYPES)) {
      expect(isReportEvent(type)).toBe(true);
      expect(EVENT_SCHEMA_VERSIONS[type]).toBe(1);
    }
    expect(Object.keys(EVENT_SCHEMA_VERSIONS).sort()).toEqual(Object.values(EVENT_TYPES).sort());
    expect(isReportEvent('ReportFiled')).toBe(false);
    expect(isReportedEvent('CasualtyReported')).toBe(true);
    expect(isReportedEvent('ReportCorrected')).toBe(false);
  });

  it('then a handler can narrow the union by type', () => {
    const describe = (event: ReportEvent): string => {
      switch (event.type) {
        case 'ReportCorrected':
          return `${event.data.reportId} corrected: ${event.data.reason}`;
        case 'ReportRetracted':
          return `${event.data.reportId} retracted`;
        case 'DeploymentReported':
          return `${event.data.details.actor} ${event.data.details.movement}`;
        default:
          return event.data.reportId;
      }
    };
    expect(describe(reportedEventFor(validated(aDeploymentReport())))).toBe('KP arrival');
    expect(
      describe({
        type: 'ReportRetracted',
        data: { reportId: 'r1', reportType: 'casualty', theatre: 'russia-ukraine', reason: 'x' },
      }),
    ).toBe('r1 retracted');
  });
});

describe('Kafka names', () => {
  it('then the topics and headers are those of the contract', () => {
    expect(TOPICS).toEqual({
      reports: 'conflict.reports.v1',
      alerts: 'conflict.alerts.v1',
      reportsDlq: 'conflict.reports.dlq.v1',
    });
    expect(Object.values(KAFKA_HEADERS)).toEqual(['event-type', 'event-id', 'content-type']);
    expect(KAFKA_CONTENT_TYPE).toBe('application/json');
  });
});
