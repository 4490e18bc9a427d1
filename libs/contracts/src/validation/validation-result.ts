/**
 * A rejected field. `path` is dotted from the root of the validated body
 * (`details.sanctions.0.target`); the empty string means the body itself.
 */
export interface FieldError {
  path: string;
  message: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** The path of the body itself (a non-object body, a truncated error list). */
export const ROOT_PATH = '';

export function joinPath(parent: string, key: string): string {
  return parent === ROOT_PATH ? key : `${parent}.${key}`;
}
