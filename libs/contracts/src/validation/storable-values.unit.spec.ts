import fc from 'fast-check';
import {
  aCasualtyReport,
  aDeploymentReport,
  aSanctionDemandReport,
  aViolationReport,
} from '../testing';
import { validateCorrection, validateReport, validateRetraction } from './report.validation';
import {
  findUnstorableText,
  isStorableText,
  parseStorableDateTime,
  STORABLE_TEXT_MESSAGE,
} from './storable-values';

const now = new Date('2025-01-01T00:00:00Z');
const BUILDERS = [aDeploymentReport, aCasualtyReport, aViolationReport, aSanctionDemandReport];

/** Every path to a string in a JSON value, dotted as validation errors are. */
function stringPaths(value: unknown, path: string[] = []): string[][] {
  if (typeof value === 'string') return [path];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => stringPaths(child, [...path, key]));
}

function withValue(report: any, path: string[], value: unknown): any {
  const copy = structuredClone(report);
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path[path.length - 1]] = value;
  return copy;
}

describe('storable text', () => {
  it.each([
    ['plain text', 'Kursk oblast', true],
    ['text beyond the BMP (a surrogate pair)', 'ok \ud83d\ude00', true],
    ['an empty string', '', true],
    ['a NUL', 'a\u0000b', false],
    ['a lone high surrogate at the end', 'a\ud800', false],
    ['a lone high surrogate before text', '\ud800b', false],
    ['a lone low surrogate', 'a\udc00b', false],
    ['a reversed pair', '\ude00\ud83d', false],
  ])('given %s, then isStorableText is %s', (_, text, storable) => {
    expect(isStorableText(text)).toBe(storable);
  });

  it('finds the first unstorable string or key in a JSON value, by path', () => {
    expect(findUnstorableText({ a: ['x', { b: 'ok' }] })).toBeUndefined();
    expect(findUnstorableText({ a: ['x', { b: 'n\u0000' }] })).toBe('a.1.b');
    expect(findUnstorableText({ ['k\ud800']: 1 })).toBe('k\ud800');
    expect(findUnstorableText('\udc00')).toBe('');
  });

  it('agrees with what survives a round trip through UTF-8 (for strings without NUL)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 12 }), (text) => {
        const roundTrip = Buffer.from(text, 'utf8').toString('utf8') === text;
        expect(isStorableText(text)).toBe(roundTrip && !text.includes('\u0000'));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('storable instants', () => {
  it.each([
    ['1900-01-01T00:00:00Z', true],
    ['1900-01-01T01:00:00+01:00', true],
    ['1900-01-01T00:59:59+01:00', false],
    ['1899-12-31T23:59:59.999Z', false],
    ['0000-01-01T00:00:00Z', false],
    ['9999-12-31T23:59:59Z', true],
    ['not a date', false],
  ])('given %s, then parseStorableDateTime accepts it: %s', (text, accepted) => {
    expect(parseStorableDateTime(text) !== undefined).toBe(accepted);
  });
});

describe('validation refuses what the pipeline cannot store', () => {
  it('given a NUL or an unpaired surrogate in any string of any report, then that path is refused', () => {
    const cases = BUILDERS.flatMap((build) =>
      stringPaths(build()).map((path) => ({ build, path })),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...cases),
        fc.constantFrom('a\u0000b', '\u0000', 'x\ud800', '\udfff', 'a\udc00\ud800b'),
        ({ build, path }, bad) => {
          const original = build();
          const current = path.reduce((node: any, key) => node[key], original) as string;
          // In the middle of a valid value, so that only the bad character is wrong.
          const text = bad.length > 1 ? `${current}${bad}` : bad;
          const result = validateReport(withValue(original, path, text), { now });
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.errors.map((e) => e.path)).toContain(path.join('.'));
        },
      ),
      { numRuns: 600 },
    );
  });

  it.each([
    ['source.name', 'a\u0000b'],
    ['source.url', 'https://example.org/a\u0000'],
    ['location.name', 'Kursk\ud800'],
  ])('given %s with %j, then the message says why', (path, text) => {
    const result = validateReport(withValue(aDeploymentReport(), path.split('.'), text), { now });
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          path,
          message: path === 'source.url' ? expect.any(String) : STORABLE_TEXT_MESSAGE,
        },
      ],
    });
  });

  it.each(['occurredAt', 'reportedAt'])(
    'given %s in year 0 or before 1900, then it is refused at its path',
    (field) => {
      for (const date of ['0000-01-01T00:00:00Z', '1899-12-31T23:59:59Z']) {
        const report = aCasualtyReport({
          occurredAt: '1900-01-01T00:00:00Z',
          reportedAt: '1900-01-01T00:00:00Z',
          [field]: date,
        });
        const result = validateReport(report, { now });
        expect(result.ok).toBe(false);
        if (!result.ok) {
          expect(result.errors).toContainEqual({
            path: field,
            message: 'must not be before 1900-01-01T00:00:00Z',
          });
        }
      }
    },
  );

  it('given both dates at 1900-01-01T00:00:00Z, then the report is accepted', () => {
    const report = aCasualtyReport({
      occurredAt: '1900-01-01T00:00:00Z',
      reportedAt: '1900-01-01T00:00:00Z',
    });
    expect(validateReport(report, { now }).ok).toBe(true);
  });

  it('given a correction to year 0 or with a NUL in its reason, then the field is refused', () => {
    const details = aCasualtyReport().details;
    const early = validateCorrection(
      { expectedVersion: 1, details, occurredAt: '0000-01-01T00:00:00Z', reason: 'date' },
      'casualty',
      { now },
    );
    expect(early).toEqual({
      ok: false,
      errors: [{ path: 'occurredAt', message: 'must not be before 1900-01-01T00:00:00Z' }],
    });
    const nul = validateCorrection({ expectedVersion: 1, details, reason: 'a\u0000' }, 'casualty', {
      now,
    });
    expect(nul).toEqual({
      ok: false,
      errors: [{ path: 'reason', message: STORABLE_TEXT_MESSAGE }],
    });
  });

  it('given a retraction reason with a lone surrogate, then reason is refused', () => {
    expect(validateRetraction({ reason: 'withdrawn \udbff' })).toEqual({
      ok: false,
      errors: [{ path: 'reason', message: STORABLE_TEXT_MESSAGE }],
    });
  });
});
