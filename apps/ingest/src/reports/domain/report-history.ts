import type { Correction, Report, ReportType, Retraction } from '@cm/contracts';

/** One stored event of a report's stream, as the domain needs to see it. */
export interface ReportHistoryEvent {
  readonly type: string;
  readonly streamVersion: number;
  readonly position: number;
  readonly recordedAt: Date;
  readonly data: unknown;
}

export interface ReportState {
  readonly reportId: string;
  readonly type: ReportType;
  readonly theatre: string;
  readonly version: number;
  readonly retracted: boolean;
  readonly retractionReason: string | null;
  /** The report as it stands now: the original with every correction applied. */
  readonly report: Report;
}

export type ReportDecisionError =
  | { code: 'REPORT.RETRACTED'; message: string }
  | { code: 'REPORT.STALE_VERSION'; message: string }
  | { code: 'REPORT.INVALID_CORRECTION'; path: string; message: string };

interface CorrectedData {
  details: Report['details'];
  occurredAt: string;
}

const REPORTED_EVENT_SUFFIX = 'Reported';

/** Folds a report's stream into its current state; undefined for an empty stream. */
export function foldReportHistory(events: readonly ReportHistoryEvent[]): ReportState | undefined {
  let state: ReportState | undefined;
  for (const event of events) {
    if (!state) {
      if (!event.type.endsWith(REPORTED_EVENT_SUFFIX)) return undefined;
      const report = event.data as Report;
      state = {
        reportId: report.reportId,
        type: report.type,
        theatre: report.theatre,
        version: event.streamVersion,
        retracted: false,
        retractionReason: null,
        report,
      };
      continue;
    }
    if (event.type === 'ReportCorrected') {
      const data = event.data as CorrectedData;
      state = {
        ...state,
        version: event.streamVersion,
        report: { ...state.report, details: data.details, occurredAt: data.occurredAt } as Report,
      };
    } else if (event.type === 'ReportRetracted') {
      const data = event.data as { reason: string };
      state = {
        ...state,
        version: event.streamVersion,
        retracted: true,
        retractionReason: data.reason,
      };
    } else {
      state = { ...state, version: event.streamVersion };
    }
  }
  return state;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A correction replaces details (and maybe occurredAt) of a live report at the version the
 * client last saw. The same event-time rule as on filing applies to a new occurredAt.
 */
export function decideCorrection(
  state: ReportState,
  correction: Correction,
):
  | { ok: true; event: { type: 'ReportCorrected'; data: Record<string, unknown> } }
  | { ok: false; error: ReportDecisionError } {
  if (state.retracted) {
    return { ok: false, error: { code: 'REPORT.RETRACTED', message: 'The report is retracted.' } };
  }
  if (correction.expectedVersion !== state.version) {
    return {
      ok: false,
      error: {
        code: 'REPORT.STALE_VERSION',
        message: `expectedVersion ${correction.expectedVersion} is stale: the report is at version ${state.version}.`,
      },
    };
  }
  const occurredAt = correction.occurredAt ?? state.report.occurredAt;
  if (Date.parse(occurredAt) > Date.parse(state.report.reportedAt) + DAY_MS) {
    return {
      ok: false,
      error: {
        code: 'REPORT.INVALID_CORRECTION',
        path: 'occurredAt',
        message: 'must not be later than the report’s reportedAt plus one day',
      },
    };
  }
  return {
    ok: true,
    event: {
      type: 'ReportCorrected',
      data: {
        reportId: state.reportId,
        reportType: state.type,
        theatre: state.theatre,
        details: correction.details,
        occurredAt,
        reason: correction.reason,
      },
    },
  };
}

/** A retraction ends a live report; without expectedVersion it applies to the current one. */
export function decideRetraction(
  state: ReportState,
  retraction: Retraction,
):
  | {
      ok: true;
      expectedVersion: number;
      event: { type: 'ReportRetracted'; data: Record<string, unknown> };
    }
  | { ok: false; error: ReportDecisionError } {
  if (state.retracted) {
    return {
      ok: false,
      error: { code: 'REPORT.RETRACTED', message: 'The report is already retracted.' },
    };
  }
  if (retraction.expectedVersion !== undefined && retraction.expectedVersion !== state.version) {
    return {
      ok: false,
      error: {
        code: 'REPORT.STALE_VERSION',
        message: `expectedVersion ${retraction.expectedVersion} is stale: the report is at version ${state.version}.`,
      },
    };
  }
  return {
    ok: true,
    expectedVersion: state.version,
    event: {
      type: 'ReportRetracted',
      data: {
        reportId: state.reportId,
        reportType: state.type,
        theatre: state.theatre,
        reason: retraction.reason,
      },
    },
  };
}
