/**
 * The value with every object's keys in reverse order, at every level (arrays keep their
 * order): the same content in another key order, for tests of what must not depend on it.
 */
export function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([key, field]) => [key, reverseKeys(field)]),
    );
  }
  return value;
}
