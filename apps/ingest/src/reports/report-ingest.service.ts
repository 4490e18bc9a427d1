import { hash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  canonicalJson,
  FieldError,
  Report,
  reportedEventFor,
  reportStreamId,
  validateBatchEnvelope,
  validateCorrection,
  validateReport,
  validateRetraction,
} from '@cm/contracts';
import {
  AppendCoalescer,
  AppendResult,
  ConcurrencyError,
  NewEvent,
  PostgresEventStore,
  UnstorableEventError,
} from '@cm/event-store';
import { CLOCK, Clock, ProblemError, Provenance } from '@cm/platform';
import { IngestMetrics } from '../ingest-metrics';
import {
  decideCorrection,
  decideRetraction,
  foldReportHistory,
  ReportDecisionError,
  ReportState,
} from './domain/report-history';

export interface ReportReceipt {
  reportId: string;
  version: number;
  position: number;
}

export type BatchItemResult =
  | ({ index: number; status: 'created' | 'duplicate' } & ReportReceipt)
  | { index: number; reportId: string | null; status: 'conflict'; errors: FieldError[] }
  | { index: number; reportId: string | null; status: 'invalid'; errors: FieldError[] };

const REPORT_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const SCHEMA_VERSION = 1;

/**
 * The write side: validate, decide, append. Every write is idempotent (filing, keyed by
 * reportId and content) or rejects a replay explicitly (corrections and retractions carry
 * the version they apply to).
 */
@Injectable()
export class ReportIngestService {
  /** Concurrent single filings share transactions (group commit); see AppendCoalescer. */
  private readonly filings: AppendCoalescer;

  constructor(
    private readonly store: PostgresEventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly metrics: IngestMetrics,
  ) {
    this.filings = new AppendCoalescer(store, { maxBatch: 500, maxInFlight: 2 });
  }

  async file(
    body: unknown,
    provenance: Provenance,
  ): Promise<{ receipt: ReportReceipt; duplicate: boolean }> {
    const validation = validateReport(body, { now: this.clock.now() });
    if (!validation.ok) {
      this.metrics.reportsIngested.inc({ outcome: 'invalid' });
      throw ProblemError.validation(validation.errors, 'The report is not valid.');
    }
    const report = validation.value;
    const outcome = await this.filings.append({
      streamId: reportStreamId(report.reportId),
      events: [eventFor(report, provenance)],
      expectedVersion: 'no_stream',
      idempotency: { key: report.reportId, contentHash: contentHash(report) },
    });
    if (outcome.status === 'rejected') {
      this.metrics.reportsIngested.inc({ outcome: 'invalid' });
      throw unstorableProblem(outcome.error);
    }
    this.metrics.reportsIngested.inc({ outcome: outcome.status });
    if (outcome.status === 'conflict') {
      throw ProblemError.conflict(
        'REPORT.CONFLICT',
        `Report ${report.reportId} was already filed with other content; send a correction instead.`,
      );
    }
    return {
      receipt: receiptOf(report.reportId, outcome.result),
      duplicate: outcome.status === 'duplicate',
    };
  }

  async fileBatch(body: unknown, provenance: Provenance): Promise<{ results: BatchItemResult[] }> {
    const envelope = validateBatchEnvelope(body);
    if (!envelope.ok) throw ProblemError.validation(envelope.errors, 'The batch is not valid.');
    const now = this.clock.now();
    const results = new Array<BatchItemResult>(envelope.value.reports.length);
    const valid: { index: number; report: Report }[] = [];
    envelope.value.reports.forEach((item, index) => {
      const validation = validateReport(item, { now });
      if (validation.ok) {
        valid.push({ index, report: validation.value });
      } else {
        results[index] = {
          index,
          reportId: rawReportId(item),
          status: 'invalid',
          errors: validation.errors.map((error) => ({
            path: error.path ? `reports.${index}.${error.path}` : `reports.${index}`,
            message: error.message,
          })),
        };
      }
    });
    // One metadata object for the request's events: the store writes its JSON once.
    const metadata = metadataFor(provenance);
    const outcomes =
      valid.length === 0
        ? []
        : await this.store.appendBatch(
            valid.map(({ report }) => ({
              streamId: reportStreamId(report.reportId),
              events: [eventWith(report, metadata)],
              expectedVersion: 'no_stream' as const,
              idempotency: { key: report.reportId, contentHash: contentHash(report) },
            })),
          );
    outcomes.forEach((outcome, i) => {
      const { index, report } = valid[i];
      if (outcome.status === 'rejected') {
        results[index] = {
          index,
          reportId: report.reportId,
          status: 'invalid',
          errors: [{ path: `reports.${index}`, message: unstorableMessage(outcome.error) }],
        };
      } else if (outcome.status === 'conflict') {
        results[index] = {
          index,
          reportId: report.reportId,
          status: 'conflict',
          errors: [
            {
              path: `reports.${index}.reportId`,
              message: 'already filed with other content; send a correction instead',
            },
          ],
        };
      } else {
        results[index] = {
          index,
          status: outcome.status,
          ...receiptOf(report.reportId, outcome.result),
        };
      }
    });
    for (const result of results) this.metrics.reportsIngested.inc({ outcome: result.status });
    return { results };
  }

  async correct(
    reportId: string,
    body: unknown,
    provenance: Provenance,
  ): Promise<{ reportId: string; version: number }> {
    const state = await this.load(reportId);
    const validation = validateCorrection(body, state.type, { now: this.clock.now() });
    if (!validation.ok)
      throw ProblemError.validation(validation.errors, 'The correction is not valid.');
    const decision = decideCorrection(state, validation.value);
    if (!decision.ok) throw decisionProblem(decision.error);
    return this.appendDecided(state, validation.value.expectedVersion, decision.event, provenance);
  }

  async retract(
    reportId: string,
    body: unknown,
    provenance: Provenance,
  ): Promise<{ reportId: string; version: number }> {
    const state = await this.load(reportId);
    const validation = validateRetraction(body);
    if (!validation.ok)
      throw ProblemError.validation(validation.errors, 'The retraction is not valid.');
    const decision = decideRetraction(state, validation.value);
    if (!decision.ok) throw decisionProblem(decision.error);
    return this.appendDecided(state, decision.expectedVersion, decision.event, provenance);
  }

  async get(reportId: string): Promise<ReportView> {
    const events = REPORT_ID.test(reportId)
      ? await this.store.readStream(reportStreamId(reportId))
      : [];
    const state = foldReportHistory(events);
    if (!state) throw notFound(reportId);
    return {
      reportId: state.reportId,
      type: state.type,
      theatre: state.theatre,
      version: state.version,
      retracted: state.retracted,
      retractionReason: state.retractionReason,
      report: state.report,
      history: events.map((event) => ({
        version: event.streamVersion,
        type: event.type,
        position: event.position,
        recordedAt: event.recordedAt.toISOString(),
        // Absent from events stored before provenance was recorded.
        recordedBy: stringOrNull(event.metadata.recordedBy),
        requestId: stringOrNull(event.metadata.requestId),
        data: event.data,
      })),
    };
  }

  private async load(reportId: string): Promise<ReportState> {
    if (!REPORT_ID.test(reportId)) throw notFound(reportId);
    const state = foldReportHistory(await this.store.readStream(reportStreamId(reportId)));
    if (!state) throw notFound(reportId);
    return state;
  }

  private async appendDecided(
    state: ReportState,
    expectedVersion: number,
    event: { type: string; data: Record<string, unknown> },
    provenance: Provenance,
  ): Promise<{ reportId: string; version: number }> {
    try {
      const result = await this.store.append(
        reportStreamId(state.reportId),
        [{ ...event, metadata: metadataFor(provenance) }],
        { expectedVersion },
      );
      return { reportId: state.reportId, version: result.nextExpectedVersion };
    } catch (error) {
      if (error instanceof UnstorableEventError) throw unstorableProblem(error);
      if (error instanceof ConcurrencyError) {
        throw ProblemError.conflict(
          'REPORT.STALE_VERSION',
          `The report changed concurrently; read it again (version was ${expectedVersion}).`,
        );
      }
      throw error;
    }
  }
}

export interface ReportView {
  reportId: string;
  type: string;
  theatre: string;
  version: number;
  retracted: boolean;
  retractionReason: string | null;
  report: Report;
  history: {
    version: number;
    type: string;
    position: number;
    recordedAt: string;
    /** The name of the key that stored the event (`anonymous` under open access). */
    recordedBy: string | null;
    /** The id of the request that stored it (its x-request-id). */
    requestId: string | null;
    data: unknown;
  }[];
}

function eventFor(report: Report, provenance: Provenance): NewEvent {
  return eventWith(report, metadataFor(provenance));
}

function eventWith(report: Report, metadata: Record<string, unknown>): NewEvent {
  const event = reportedEventFor(report);
  return { type: event.type, data: event.data, metadata };
}

/**
 * Who filed what goes into the metadata, not the data: the content hash that makes a re-sent
 * report a duplicate is of the report alone, so the same report from another key or request
 * is still a duplicate (and keeps its first provenance).
 */
function metadataFor(provenance: Provenance): Record<string, unknown> {
  return {
    schemaVersion: SCHEMA_VERSION,
    recordedBy: provenance.recordedBy,
    requestId: provenance.requestId,
  };
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/**
 * Same reportId and same content (after normalisation) is a duplicate; else a conflict.
 * crypto.hash: the same SHA-256 as createHash().update().digest() in one call, which costs
 * half as much for a report's few hundred bytes.
 */
function contentHash(report: Report): string {
  return hash('sha256', canonicalJson(report), 'base64url');
}

function receiptOf(reportId: string, result: AppendResult): ReportReceipt {
  return { reportId, version: result.nextExpectedVersion, position: result.firstPosition };
}

function rawReportId(item: unknown): string | null {
  const value = (item as { reportId?: unknown } | null)?.reportId;
  return typeof value === 'string' ? value : null;
}

function notFound(reportId: string): ProblemError {
  return ProblemError.notFound('REPORT.NOT_FOUND', `No report with id "${reportId}".`);
}

/**
 * The store refused the content itself (validation lets through something PostgreSQL
 * cannot keep): the sender's data, so a 400 for that request alone, with the reason.
 */
function unstorableProblem(error: UnstorableEventError): ProblemError {
  return new ProblemError(400, 'REPORT.UNSTORABLE', 'Invalid request', unstorableMessage(error));
}

function unstorableMessage(error: UnstorableEventError): string {
  return `contains a value the store cannot keep (${error.message.replace(/^.*?: /, '')})`;
}

function decisionProblem(error: ReportDecisionError): ProblemError {
  if (error.code === 'REPORT.INVALID_CORRECTION') {
    return ProblemError.validation([{ path: error.path, message: error.message }], error.message);
  }
  return ProblemError.conflict(error.code, error.message);
}
