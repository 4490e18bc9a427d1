import { EVENT_TYPES, reportedEventFor } from '@cm/contracts';
import type { Report, ReportDetails } from '@cm/contracts';
import type { EngineEvent } from '../report-event';
import type { Rule } from '../rule.types';
import { parseRules } from '../rule.validation';

/**
 * Test helpers (not exported by index.ts): a store's worth of report events with positions
 * in order and recordedAt a minute apart from a fixed instant, so that tests control time.
 */
export class EventLog {
  private position = 0;
  private clock: number;

  constructor(start = '2025-06-01T00:00:00.000Z') {
    this.clock = Date.parse(start);
  }

  private next(type: string, data: unknown, recordedAt?: string): EngineEvent {
    this.position += 1;
    this.clock += 60_000;
    return {
      position: this.position,
      recordedAt: new Date(recordedAt ?? this.clock),
      type,
      data: structuredClone(data),
    };
  }

  reported(report: Report, recordedAt?: string): EngineEvent {
    const event = reportedEventFor(report);
    return this.next(event.type, event.data, recordedAt);
  }

  corrected(
    report: Report,
    change: { details?: Partial<ReportDetails>; occurredAt?: string; reason?: string },
  ): EngineEvent {
    return this.next(EVENT_TYPES.ReportCorrected, {
      reportId: report.reportId,
      reportType: report.type,
      theatre: report.theatre,
      details: { ...report.details, ...change.details },
      occurredAt: change.occurredAt ?? report.occurredAt,
      reason: change.reason ?? 'revised',
    });
  }

  retracted(report: Report, reason = 'source withdrew the claim'): EngineEvent {
    return this.next(EVENT_TYPES.ReportRetracted, {
      reportId: report.reportId,
      reportType: report.type,
      theatre: report.theatre,
      reason,
    });
  }
}

/** Rules written in a test, validated as a backtest body would be. */
export function rulesOf(...rules: unknown[]): Rule[] {
  const result = parseRules(rules);
  if (!result.ok) throw new Error(`test rules are invalid: ${JSON.stringify(result.errors)}`);
  return result.rules;
}

/** `base` plus a duration in hours (fractions allowed), as an ISO string. */
export function hoursAfter(base: string, hours: number): string {
  return new Date(Date.parse(base) + hours * 3_600_000).toISOString();
}

export function daysAfter(base: string, days: number): string {
  return hoursAfter(base, days * 24);
}

export function msAfter(base: string, ms: number): string {
  return new Date(Date.parse(base) + ms).toISOString();
}
