import { EVENT_TYPES, isReportedEvent, isReportType } from '@cm/contracts';
import type { ReportType } from '@cm/contracts';

/**
 * What the engine reads: a stored event (`StoredEvent` of @cm/event-store fits) or a Kafka
 * message's value. Only the six report events of @cm/contracts matter; others are skipped.
 */
export interface EngineEvent {
  position: number | string;
  recordedAt: Date | string;
  type: string;
  data: unknown;
}

/** A report event reduced to what changes for the engine. */
export type ReportChange =
  | {
      kind: 'reported';
      theatre: string;
      reportId: string;
      type: ReportType;
      t: number;
      report: object;
    }
  | {
      kind: 'corrected';
      theatre: string;
      reportId: string;
      type: ReportType;
      t: number;
      details: unknown;
      reason: string;
    }
  | { kind: 'retracted'; theatre: string; reportId: string; type: ReportType; reason: string };

/**
 * Why the engine passed over an event: not one of the report events; a report event without
 * the fields the engine needs; or a report so far behind its theatre's newest one (more than
 * lateness plus the longest rule horizon) that no alert the engine follows can depend on it.
 */
export type SkipReason = 'not_a_report_event' | 'malformed' | 'too_late';

export function readReportChange(event: EngineEvent): ReportChange | SkipReason {
  const data = event.data;
  if (typeof data !== 'object' || data === null) {
    return isReportedEvent(event.type) || isChangeEvent(event.type)
      ? 'malformed'
      : 'not_a_report_event';
  }
  const fields = data as Record<string, unknown>;
  const theatre = fields.theatre;
  const reportId = fields.reportId;
  if (isReportedEvent(event.type)) {
    const t = timeOf(fields.occurredAt);
    if (!isText(theatre) || !isText(reportId) || !isReportType(fields.type) || t === undefined) {
      return 'malformed';
    }
    return { kind: 'reported', theatre, reportId, type: fields.type, t, report: data };
  }
  if (!isChangeEvent(event.type)) return 'not_a_report_event';
  const type = fields.reportType;
  if (!isText(theatre) || !isText(reportId) || !isReportType(type)) return 'malformed';
  const reason = typeof fields.reason === 'string' ? fields.reason : '';
  if (event.type === EVENT_TYPES.ReportRetracted) {
    return { kind: 'retracted', theatre, reportId, type, reason };
  }
  const t = timeOf(fields.occurredAt);
  if (t === undefined || typeof fields.details !== 'object' || fields.details === null) {
    return 'malformed';
  }
  return { kind: 'corrected', theatre, reportId, type, t, details: fields.details, reason };
}

function isChangeEvent(type: string): boolean {
  return type === EVENT_TYPES.ReportCorrected || type === EVENT_TYPES.ReportRetracted;
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function timeOf(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const t = Date.parse(value);
  return Number.isFinite(t) ? t : undefined;
}

export function recordedAtIso(recordedAt: Date | string): string {
  return typeof recordedAt === 'string'
    ? new Date(recordedAt).toISOString()
    : recordedAt.toISOString();
}
