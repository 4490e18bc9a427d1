import { parseStorableDateTime, REPORT_ID_PATTERN } from '@cm/contracts';
import { KeysetCursor } from '../http/keyset-cursor';

/**
 * The sort key of a report list: (occurredAt, reportId), newest first. Both are fixed for a
 * report until a correction moves its occurredAt, and reportId makes the key unique, so a page
 * boundary stays put however many reports arrive meanwhile.
 */
export interface ReportListKey {
  [field: string]: string;
  /** occurredAt, ISO 8601 UTC. */
  o: string;
  /** reportId. */
  r: string;
}

export function reportListCursor(list: string): KeysetCursor<ReportListKey> {
  return new KeysetCursor<ReportListKey>(
    list,
    (key): key is ReportListKey =>
      Object.keys(key).length === 2 &&
      typeof key.o === 'string' &&
      parseStorableDateTime(key.o) !== undefined &&
      typeof key.r === 'string' &&
      REPORT_ID_PATTERN.test(key.r),
  );
}
