import type { ExpectedVersion } from './event-store.types';

const MAX_VERSION = 2_147_483_647; // stream_version is an integer column

export function assertExpectedVersion(expected: ExpectedVersion): void {
  if (expected === 'any' || expected === 'no_stream') return;
  if (!Number.isInteger(expected) || expected < 0 || expected > MAX_VERSION) {
    throw new RangeError(`expectedVersion must be 'no_stream', 'any' or a version >= 0`);
  }
}

/** As the SQL parameter: the version the stream must be at, or null for no check. */
export function expectedVersionParam(expected: ExpectedVersion): number | null {
  if (expected === 'any') return null;
  if (expected === 'no_stream') return 0;
  return expected;
}

export function matchesExpectedVersion(expected: ExpectedVersion, current: number): boolean {
  const required = expectedVersionParam(expected);
  return required === null || required === current;
}
