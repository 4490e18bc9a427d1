import { reportedEventFor } from '@cm/contracts';
import type { Report, ReportDetails } from '@cm/contracts';
import {
  correctedEventFor,
  HISTORY_START,
  reportHistory,
  retractedEventFor,
} from '@cm/contracts/testing';
import type { ReportHistoryOptions } from '@cm/contracts/testing';
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

  /** Any event, recorded next. */
  recorded(event: { type: string; data: unknown }, recordedAt?: string): EngineEvent {
    this.position += 1;
    this.clock += 60_000;
    return {
      position: this.position,
      recordedAt: new Date(recordedAt ?? this.clock),
      type: event.type,
      data: structuredClone(event.data),
    };
  }

  reported(report: Report, recordedAt?: string): EngineEvent {
    return this.recorded(reportedEventFor(report), recordedAt);
  }

  /** Corrects `report`: `change.details` merge into its details. */
  corrected(
    report: Report,
    change: { details?: Partial<ReportDetails>; occurredAt?: string; reason?: string },
  ): EngineEvent {
    const details = { ...report.details, ...change.details } as ReportDetails;
    return this.recorded(correctedEventFor(report, { ...change, details }));
  }

  retracted(report: Report, reason?: string): EngineEvent {
    return this.recorded(retractedEventFor(report, reason));
  }
}

/**
 * The seeded report history of @cm/contracts/testing as the engine reads it: positions from 1,
 * recorded a minute apart from the history's start.
 */
export function* engineHistory(options: ReportHistoryOptions): Generator<EngineEvent> {
  const log = new EventLog(options.start ?? HISTORY_START);
  for (const event of reportHistory(options)) yield log.recorded(event);
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
