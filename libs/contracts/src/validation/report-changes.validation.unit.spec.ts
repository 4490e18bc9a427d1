import { aCasualtyReport, aDeploymentReport } from '../testing';
import type { ReportType } from '../report-vocabulary';
import { validateBatchEnvelope, validateCorrection, validateRetraction } from './report.validation';

const NOW = new Date('2026-01-01T00:00:00.000Z');
const DAY_MS = 24 * 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;

const casualtyDetails = () => aCasualtyReport().details;

const aCorrection = (overrides: Record<string, unknown> = {}): any => ({
  expectedVersion: 1,
  details: { ...casualtyDetails(), count: { low: 3500, best: 4000, high: 4500 } },
  reason: 'The President’s office revised its estimate.',
  ...overrides,
});

const pathsOf = (result: { ok: boolean; errors?: { path: string }[] }) =>
  result.ok ? [] : result.errors!.map((error) => error.path);

describe('validateCorrection', () => {
  const correct = (input: unknown, type: ReportType = 'casualty', now = NOW) =>
    validateCorrection(input, type, { now });

  it('given new details of the report’s type, then the correction is accepted as sent', () => {
    const correction = aCorrection();
    expect(correct(correction)).toEqual({ ok: true, value: correction });
  });

  it('given a new occurredAt with an offset, then it is normalised to toISOString', () => {
    const result = correct(aCorrection({ occurredAt: '2024-12-22T03:00:00+03:00' }));
    expect(result.ok && result.value.occurredAt).toBe('2024-12-22T00:00:00.000Z');
  });

  it('given no occurredAt (or null), then the value has none: it stays unchanged', () => {
    for (const correction of [aCorrection(), aCorrection({ occurredAt: null })]) {
      const result = correct(correction);
      expect(result.ok && 'occurredAt' in result.value).toBe(false);
    }
  });

  it('given null optional fields in the details, then they are left out', () => {
    const result = correct(
      aCorrection({ details: { ...casualtyDetails(), count: { low: null, best: 3 } } }),
    );
    expect(result.ok && result.value.details).toMatchObject({ count: { best: 3 } });
    expect(result.ok && 'low' in (result.value.details as any).count).toBe(false);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['expectedVersion missing', { expectedVersion: undefined }, 'expectedVersion'],
    ['expectedVersion 0', { expectedVersion: 0 }, 'expectedVersion'],
    ['expectedVersion 1.5', { expectedVersion: 1.5 }, 'expectedVersion'],
    ['expectedVersion "1"', { expectedVersion: '1' }, 'expectedVersion'],
    ['details missing', { details: undefined }, 'details'],
    ['details a list', { details: [] }, 'details'],
    [
      'details with a negative count',
      { details: { ...casualtyDetails(), count: { best: -1 } } },
      'details.count.best',
    ],
    [
      'details with an unknown field',
      { details: { ...casualtyDetails(), severity: 2 } },
      'details.severity',
    ],
    ['occurredAt not a date', { occurredAt: '2024-13-45T00:00:00Z' }, 'occurredAt'],
    ['occurredAt date only', { occurredAt: '2024-12-22' }, 'occurredAt'],
    ['reason missing', { reason: undefined }, 'reason'],
    ['reason empty', { reason: '' }, 'reason'],
    ['reason blank', { reason: '  \n ' }, 'reason'],
    ['reason of 1001 characters', { reason: 'r'.repeat(1001) }, 'reason'],
    ['an unknown field', { author: 'analyst-7' }, 'author'],
  ])('given %s, then it is rejected at that path', (_name, overrides, path) => {
    expect(pathsOf(correct(aCorrection(overrides)))).toEqual([path]);
  });

  it('given a reason of 1000 characters, then it is accepted', () => {
    expect(correct(aCorrection({ reason: 'r'.repeat(1000) })).ok).toBe(true);
  });

  it('given details of another type, then they are judged as the report’s type', () => {
    const result = correct(aCorrection({ details: aDeploymentReport().details }));
    expect(pathsOf(result)).toEqual(
      expect.arrayContaining(['details.actor', 'details.party', 'details.count']),
    );
  });

  it('given occurredAt exactly now + 1 day + 5 minutes, then it is accepted', () => {
    const occurredAt = new Date(NOW.getTime() + DAY_MS + 5 * MINUTE_MS).toISOString();
    expect(correct(aCorrection({ occurredAt })).ok).toBe(true);
  });

  it('given occurredAt 1 ms later than that, then no report could have it: rejected', () => {
    const occurredAt = new Date(NOW.getTime() + DAY_MS + 5 * MINUTE_MS + 1).toISOString();
    expect(pathsOf(correct(aCorrection({ occurredAt })))).toEqual(['occurredAt']);
  });

  it('given a body that is not an object, then one error at the root', () => {
    expect(correct('revise')).toEqual({
      ok: false,
      errors: [{ path: '', message: 'must be a JSON object' }],
    });
  });

  it('given a report type that does not exist, then it throws: that is a programming error', () => {
    expect(() => validateCorrection(aCorrection(), 'skirmish' as ReportType, { now: NOW })).toThrow(
      TypeError,
    );
  });
});

describe('validateRetraction', () => {
  it('given a reason and an expectedVersion, then it is accepted as sent', () => {
    const retraction = { expectedVersion: 2, reason: 'The source withdrew the claim.' };
    expect(validateRetraction(retraction)).toEqual({ ok: true, value: retraction });
  });

  it('given no expectedVersion (or null), then the value has none', () => {
    for (const body of [
      { reason: 'fabricated' },
      { expectedVersion: null, reason: 'fabricated' },
    ]) {
      expect(validateRetraction(body)).toEqual({ ok: true, value: { reason: 'fabricated' } });
    }
  });

  it.each<[string, unknown, string]>([
    ['reason missing', { expectedVersion: 1 }, 'reason'],
    ['reason empty', { reason: '' }, 'reason'],
    ['reason too long', { reason: 'r'.repeat(1001) }, 'reason'],
    ['expectedVersion 0', { expectedVersion: 0, reason: 'x' }, 'expectedVersion'],
    ['expectedVersion a string', { expectedVersion: 'latest', reason: 'x' }, 'expectedVersion'],
    ['an unknown field', { reason: 'x', retractedBy: 'me' }, 'retractedBy'],
    ['a list body', [], ''],
  ])('given %s, then it is rejected at that path', (_name, body, path) => {
    expect(pathsOf(validateRetraction(body))).toEqual([path]);
  });
});

describe('validateBatchEnvelope', () => {
  it('given 1 to 1000 reports, then the list comes back as is, items unjudged', () => {
    const reports = [aDeploymentReport(), { not: 'a report' }];
    expect(validateBatchEnvelope({ reports })).toEqual({ ok: true, value: { reports } });
    const full = Array.from({ length: 1000 }, () => ({}));
    expect(validateBatchEnvelope({ reports: full }).ok).toBe(true);
  });

  it.each<[string, unknown, string]>([
    ['no reports field', { items: [] }, 'items'],
    ['reports not a list', { reports: {} }, 'reports'],
    ['an empty list', { reports: [] }, 'reports'],
    ['more than 1000 reports', { reports: Array.from({ length: 1001 }, () => ({})) }, 'reports'],
    ['an unknown field', { reports: [{}], extra: 1 }, 'extra'],
    ['null', null, ''],
    ['a list', [aDeploymentReport()], ''],
  ])('given %s, then it is rejected', (_name, body, path) => {
    expect(pathsOf(validateBatchEnvelope(body))).toContain(path);
  });

  it('given no reports field, then it says reports is required too', () => {
    expect(pathsOf(validateBatchEnvelope({ items: [] }))).toEqual(['items', 'reports']);
  });
});
