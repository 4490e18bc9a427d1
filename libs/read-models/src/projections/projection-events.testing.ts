import { EVENT_TYPES, reportedEventFor, type Report, type ReportDetails } from '@cm/contracts';
import type { ProjectedEvent } from './report-row';

/** Hand-made event sequences for the projection specs: positions and versions in order. */
export class EventSequence {
  private position = 0;
  private readonly versions = new Map<string, number>();
  readonly events: ProjectedEvent[] = [];

  reported(report: Report): this {
    return this.push(report.reportId, reportedEventFor(report));
  }

  corrected(
    report: Report,
    change: { details?: Partial<ReportDetails>; occurredAt?: string },
  ): this {
    return this.push(report.reportId, {
      type: EVENT_TYPES.ReportCorrected,
      data: {
        reportId: report.reportId,
        reportType: report.type,
        theatre: report.theatre,
        details: { ...report.details, ...change.details },
        occurredAt: change.occurredAt ?? report.occurredAt,
        reason: 'revised',
      },
    });
  }

  retracted(report: Report): this {
    return this.push(report.reportId, {
      type: EVENT_TYPES.ReportRetracted,
      data: {
        reportId: report.reportId,
        reportType: report.type,
        theatre: report.theatre,
        reason: 'withdrawn',
      },
    });
  }

  private push(reportId: string, event: { type: string; data: unknown }): this {
    const version = (this.versions.get(reportId) ?? 0) + 1;
    this.versions.set(reportId, version);
    this.events.push({ ...event, position: ++this.position, streamVersion: version });
    return this;
  }
}
