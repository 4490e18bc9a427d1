/**
 * A PostgreSQL array literal (`{"a","b",NULL}`) for an `$n::type[]` parameter. node-pg
 * builds the same from a JavaScript array, but about ten times slower on long strings,
 * and the writer sends a few thousand JSON documents per batch.
 */
export function arrayLiteral(
  values: readonly (string | number | boolean | null | undefined)[],
): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || value === undefined) parts[i] = 'NULL';
    else if (typeof value === 'string') parts[i] = `"${value.replace(ESCAPED, '\\$&')}"`;
    else parts[i] = String(value);
  }
  return `{${parts.join(',')}}`;
}

const ESCAPED = /["\\]/g;
