import { BatchEnvelopeDto } from '../dto/batch-envelope.dto';
import { CorrectionDto } from '../dto/correction.dto';
import { DETAILS_DTO_BY_TYPE } from '../dto/report-details.dto';
import { ReportDto } from '../dto/report.dto';
import { RetractionDto } from '../dto/retraction.dto';
import type { ReportType } from '../report-vocabulary';
import {
  DEFAULT_OCCURRED_PRECISION,
  isReportType,
  LIMITS,
  OCCURRED_AFTER_REPORTED_MAX_MS,
  REPORTED_AT_CLOCK_SKEW_MS,
} from '../report-vocabulary';
import type { BatchEnvelope, Correction, Report, ReportDetails, Retraction } from '../report.types';
import { parseIsoDateTime } from './iso-date-time';
import type { DtoClass } from './nested-fields';
import { isRecord } from './nested-fields';
import { checkObject } from './validation-plan';
import type { FieldError, ValidationResult } from './validation-result';
import { ROOT_PATH } from './validation-result';

export interface ClockOptions {
  /** The time to judge "in the future" by; injected so that validation is deterministic. */
  now: Date;
}

const NOT_AN_OBJECT: FieldError = { path: ROOT_PATH, message: 'must be a JSON object' };

/**
 * Validates one report body and returns it normalised: a new plain object with dates as
 * toISOString, occurredPrecision defaulted to 'day' and null optional fields left out, so
 * that equal content gives equal canonicalJson. The input is never modified.
 */
export function validateReport(input: unknown, options: ClockOptions): ValidationResult<Report> {
  if (!isRecord(input)) return { ok: false, errors: [NOT_AN_OBJECT] };
  const errors: FieldError[] = [];
  checkObject(input, ReportDto, ROOT_PATH, errors);
  // class-validator's discriminator is for nested properties; the type is on the envelope.
  if (isReportType(input.type) && isRecord(input.details)) {
    checkObject(input.details, DETAILS_DTO_BY_TYPE[input.type], 'details', errors);
  }

  const occurredAt = parseIsoDateTime(input.occurredAt);
  const reportedAt = parseIsoDateTime(input.reportedAt);
  if (
    occurredAt !== undefined &&
    reportedAt !== undefined &&
    occurredAt > reportedAt + OCCURRED_AFTER_REPORTED_MAX_MS
  ) {
    errors.push({ path: 'occurredAt', message: 'must not be later than reportedAt + 1 day' });
  }
  if (reportedAt !== undefined && reportedAt > options.now.getTime() + REPORTED_AT_CLOCK_SKEW_MS) {
    errors.push({
      path: 'reportedAt',
      message: 'must not be in the future (5 minutes of clock skew allowed)',
    });
  }
  if (errors.length > 0) return invalid(errors);

  // Keys in sorted order at every level (here and in toPlain): canonicalJson, the content
  // hash's input, is then JSON.stringify itself.
  const report: Record<string, unknown> = { details: toPlain(input.details) };
  if (input.location != null) report.location = toPlain(input.location);
  report.occurredAt = new Date(occurredAt!).toISOString();
  report.occurredPrecision = input.occurredPrecision ?? DEFAULT_OCCURRED_PRECISION;
  report.reportId = input.reportId;
  report.reportedAt = new Date(reportedAt!).toISOString();
  report.source = toPlain(input.source);
  report.theatre = input.theatre;
  report.type = input.type;
  return { ok: true, value: report as unknown as Report };
}

/**
 * Validates a correction of a report of `reportType`. Whether occurredAt is within a day of
 * the report's reportedAt is the caller's to check (contracts does not know the report);
 * here it may not be later than now + 1 day + the clock skew, which no report allows.
 */
export function validateCorrection<T extends ReportType>(
  input: unknown,
  reportType: T,
  options: ClockOptions,
): ValidationResult<Correction<T>> {
  if (!isReportType(reportType)) throw new TypeError(`unknown report type: ${String(reportType)}`);
  if (!isRecord(input)) return { ok: false, errors: [NOT_AN_OBJECT] };
  const errors: FieldError[] = [];
  checkObject(input, CorrectionDto, ROOT_PATH, errors);
  if (isRecord(input.details)) {
    checkObject(input.details, DETAILS_DTO_BY_TYPE[reportType], 'details', errors);
  }
  const occurredAt = parseIsoDateTime(input.occurredAt);
  const latest = options.now.getTime() + OCCURRED_AFTER_REPORTED_MAX_MS + REPORTED_AT_CLOCK_SKEW_MS;
  if (occurredAt !== undefined && occurredAt > latest) {
    errors.push({ path: 'occurredAt', message: 'must not be later than 1 day from now' });
  }
  if (errors.length > 0) return invalid(errors);

  const correction: Correction<T> = {
    expectedVersion: input.expectedVersion as number,
    details: toPlain(input.details) as ReportDetails<T>,
    reason: input.reason as string,
  };
  if (occurredAt !== undefined) correction.occurredAt = new Date(occurredAt).toISOString();
  return { ok: true, value: correction };
}

export function validateRetraction(input: unknown): ValidationResult<Retraction> {
  const errors = checkPlain(input, RetractionDto);
  if (errors.length > 0) return invalid(errors);
  const body = input as Record<string, unknown>;
  const retraction: Retraction = { reason: body.reason as string };
  if (body.expectedVersion != null) retraction.expectedVersion = body.expectedVersion as number;
  return { ok: true, value: retraction };
}

/** Only the envelope `{ reports: [1..1000 items] }`; validate each item with validateReport. */
export function validateBatchEnvelope(input: unknown): ValidationResult<BatchEnvelope> {
  const errors = checkPlain(input, BatchEnvelopeDto);
  if (errors.length > 0) return invalid(errors);
  return { ok: true, value: { reports: (input as { reports: unknown[] }).reports } };
}

function checkPlain(input: unknown, type: DtoClass): FieldError[] {
  if (!isRecord(input)) return [NOT_AN_OBJECT];
  const errors: FieldError[] = [];
  checkObject(input, type, ROOT_PATH, errors);
  return errors;
}

function invalid<T>(errors: FieldError[]): ValidationResult<T> {
  // A hostile body must not make a huge answer.
  if (errors.length > LIMITS.fieldErrors) errors.length = LIMITS.fieldErrors;
  return { ok: false, errors };
}

/**
 * A validated JSON value as a fresh plain copy without null or absent optional fields, its
 * objects' keys in sorted order (see canonicalJson).
 */
function toPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toPlain);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of sortedKeys(value)) {
      const field = (value as Record<string, unknown>)[key];
      if (field !== null && field !== undefined) out[key] = toPlain(field);
    }
    return out;
  }
  return value;
}

/**
 * Object.keys in Array.prototype.sort's order (UTF-16 code units), by insertion: a DTO's
 * handful of keys sort in a fraction of the time of sort()'s general algorithm.
 */
function sortedKeys(value: object): string[] {
  const keys = Object.keys(value);
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i];
    let j = i - 1;
    while (j >= 0 && keys[j] > key) {
      keys[j + 1] = keys[j];
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}
