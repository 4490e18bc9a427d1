export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

/** RFC 9457 problem details, as every error of the API is answered. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldProblem[];
  /** A failed readiness check: each check's status (and message when down), by name. */
  checks?: Record<string, { status: string; message?: string }>;
  instance?: string;
}

/**
 * An error with a stable code that the one exception filter maps to problem+json.
 * Domain and use-case code throws these (or its own errors mapped to them); nothing else
 * decides HTTP statuses.
 */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail: string,
    readonly errors?: FieldProblem[],
  ) {
    super(detail);
    this.name = 'ProblemError';
  }

  static validation(errors: FieldProblem[], detail = 'The request is not valid.'): ProblemError {
    return new ProblemError(400, 'REQUEST.INVALID', 'Invalid request', detail, errors);
  }

  static notFound(code: string, detail: string): ProblemError {
    return new ProblemError(404, code, 'Not found', detail);
  }

  static conflict(code: string, detail: string): ProblemError {
    return new ProblemError(409, code, 'Conflict', detail);
  }
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemTypeUri(code: string): string {
  return `https://conflict-monitor.dev/problems/${code.toLowerCase().replace(/[._]/g, '-')}`;
}
