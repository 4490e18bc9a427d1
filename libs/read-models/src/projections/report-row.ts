import type { Report, ReportCorrectedData, ReportRetractedData, ReportType } from '@cm/contracts';
import { EVENT_TYPES, isReportedEvent } from '@cm/contracts';

/** What a projection needs of a stored event (a StoredEvent of the event store fits). */
export interface ProjectedEvent {
  type: string;
  data: unknown;
  /** Global position in the store. */
  position: number;
  /** Version of the report's stream this event made. */
  streamVersion: number;
}

/** A report's current state as the read models hold it: one row in its type's table. */
export interface ReportRow {
  /** The envelope with the latest details and occurredAt. */
  report: Report;
  /** Stream version and store position of the event that made this state. */
  version: number;
  position: number;
}

/** What an event means for one report's row. */
export interface ReportRowChange {
  reportId: string;
  reportType: ReportType;
  theatre: string;
  /** The row before the event (undefined when there was none). */
  previous: ReportRow | undefined;
  /** The row after it; null when the report no longer counts (retracted). */
  next: ReportRow | null;
}

/**
 * Evolves one report's row by one event: a Reported event creates it, a correction
 * replaces its details and occurredAt, a retraction removes it. Returns null for events
 * that change no report row (other event types, or a change to a report never seen).
 */
export function evolveReportRow(
  previous: ReportRow | undefined,
  event: ProjectedEvent,
): ReportRowChange | null {
  if (isReportedEvent(event.type)) {
    const report = event.data as Report;
    return {
      reportId: report.reportId,
      reportType: report.type,
      theatre: report.theatre,
      previous,
      next: { report, version: event.streamVersion, position: event.position },
    };
  }
  if (event.type === EVENT_TYPES.ReportCorrected) {
    const correction = event.data as ReportCorrectedData;
    if (!previous) return null;
    const report = {
      ...previous.report,
      occurredAt: correction.occurredAt,
      details: correction.details,
    } as Report;
    return {
      reportId: correction.reportId,
      reportType: report.type,
      theatre: report.theatre,
      previous,
      next: { report, version: event.streamVersion, position: event.position },
    };
  }
  if (event.type === EVENT_TYPES.ReportRetracted) {
    const retraction = event.data as ReportRetractedData;
    if (!previous) return null;
    return {
      reportId: retraction.reportId,
      reportType: retraction.reportType,
      theatre: retraction.theatre,
      previous,
      next: null,
    };
  }
  return null;
}

/** The report id an event is about, when it is a report event. */
export function reportIdOf(event: ProjectedEvent): string | undefined {
  if (isReportedEvent(event.type)) return (event.data as Report).reportId;
  if (event.type === EVENT_TYPES.ReportCorrected || event.type === EVENT_TYPES.ReportRetracted) {
    return (event.data as ReportCorrectedData | ReportRetractedData).reportId;
  }
  return undefined;
}

/** The report type and theatre of a correction or retraction (which name them). */
export function changedReportOf(
  event: ProjectedEvent,
): { reportId: string; reportType: ReportType; theatre: string } | undefined {
  if (event.type === EVENT_TYPES.ReportCorrected || event.type === EVENT_TYPES.ReportRetracted) {
    const { reportId, reportType, theatre } = event.data as
      ReportCorrectedData | ReportRetractedData;
    return { reportId, reportType, theatre };
  }
  return undefined;
}
