import { validateSync } from 'class-validator';
import type { ValidationError } from 'class-validator';
import type { FieldError } from '@cm/contracts';
import { parseIsoDateTime } from '@cm/contracts';
import { parseRules } from '@cm/escalation';
import type { Rule } from '@cm/escalation';
import { BacktestRequestDto } from './backtest-request.dto';

/** A backtest request, validated: `rules` undefined means the active rules. */
export interface BacktestRequest {
  rules?: Rule[];
  theatre?: string;
  from?: string;
  to?: string;
}

const FIELDS = ['rules', 'theatre', 'from', 'to'];

/**
 * Validates a backtest body: the envelope by BacktestRequestDto (unknown fields rejected), then
 * each rule by the engine's own parseRules, so a rule that passes here is one the alerter would
 * accept from a file. Paths are dotted from the body: `rules.0.window.duration`.
 */
export function validateBacktestRequest(
  body: unknown,
): { ok: true; value: BacktestRequest } | { ok: false; errors: FieldError[] } {
  // No body at all is the simplest request: the active rules over all history.
  if (body === undefined || body === null) return { ok: true, value: {} };
  if (typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, errors: [{ path: '', message: 'must be a JSON object' }] };
  }
  const dto = Object.assign(new BacktestRequestDto(), body);
  const errors = validateSync(dto, {
    whitelist: true,
    forbidNonWhitelisted: true,
    stopAtFirstError: true,
  }).flatMap(fieldErrorsOf);
  if (errors.length) return { ok: false, errors };

  const { rules, theatre, from, to } = body as BacktestRequestDto;
  if (from !== undefined && to !== undefined && parseIsoDateTime(to)! < parseIsoDateTime(from)!) {
    return { ok: false, errors: [{ path: 'to', message: 'must not be before from' }] };
  }
  const request: BacktestRequest = {};
  if (rules !== undefined && rules !== null) {
    const parsed = parseRules(rules);
    if (!parsed.ok) {
      return {
        ok: false,
        errors: parsed.errors.map(({ path, message }) => ({
          path: path === '' ? 'rules' : `rules.${path}`,
          message,
        })),
      };
    }
    request.rules = parsed.rules;
  }
  // Dates as instants in one form (UTC, milliseconds), as the alerts' own dates.
  if (theatre != null) request.theatre = theatre;
  if (from != null) request.from = new Date(parseIsoDateTime(from)!).toISOString();
  if (to != null) request.to = new Date(parseIsoDateTime(to)!).toISOString();
  return { ok: true, value: request };
}

function fieldErrorsOf(error: ValidationError): FieldError[] {
  const constraints = error.constraints ?? {};
  if ('whitelistValidation' in constraints) {
    return [
      {
        path: error.property,
        message: `is not a field of a backtest request (allowed: ${FIELDS.join(', ')})`,
      },
    ];
  }
  return Object.values(constraints).map((message) => ({ path: error.property, message }));
}
