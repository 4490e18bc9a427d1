import { ProblemError } from '@cm/platform';
import { reportListCursor } from '../read-models/report-list-cursor';
import { KeysetCursor } from './keyset-cursor';

type TimeKey = { o: string; r: string };
const isTimeKey = (value: Record<string, unknown>): value is TimeKey =>
  typeof value.o === 'string' && typeof value.r === 'string' && Object.keys(value).length === 2;

const cursor = new KeysetCursor<TimeKey>('deployments', isTimeKey);

function problemOf(run: () => unknown): ProblemError {
  try {
    run();
  } catch (error) {
    if (error instanceof ProblemError) return error;
    throw error;
  }
  throw new Error('expected a ProblemError');
}

describe('KeysetCursor', () => {
  it('gives back the key it encoded', () => {
    const key = { o: '2026-03-01T10:00:00.000Z', r: 'report-ü:1' };
    expect(cursor.decode(cursor.encode(key))).toEqual(key);
  });

  it('is URL-safe text with nothing to escape', () => {
    const encoded = cursor.encode({ o: '2026-03-01T10:00:00.000Z', r: '??>>//++' });
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it.each([
    ['an empty string', ''],
    ['characters outside base64url', 'abc+/='],
    ['base64url that is not JSON', Buffer.from('not json').toString('base64url')],
    ['JSON that is not an object', Buffer.from('[1,2]').toString('base64url')],
    ['an object without a key', Buffer.from('{"s":"deployments"}').toString('base64url')],
    [
      'a key of the wrong shape',
      Buffer.from('{"s":"deployments","k":{"o":1,"r":"x"}}').toString('base64url'),
    ],
    ['a very long string', 'A'.repeat(5000)],
  ])('refuses %s with a 400 on the cursor parameter', (_, text) => {
    const problem = problemOf(() => cursor.decode(text));
    expect(problem.status).toBe(400);
    expect(problem.errors).toEqual([{ path: 'cursor', message: expect.any(String) }]);
  });

  it('refuses a cursor of another list', () => {
    const other = new KeysetCursor<TimeKey>('casualties', isTimeKey);
    const problem = problemOf(() =>
      cursor.decode(other.encode({ o: '2026-03-01T10:00:00.000Z', r: 'a' })),
    );
    expect(problem.status).toBe(400);
    expect(problem.errors?.[0]).toEqual({
      path: 'cursor',
      message: expect.stringContaining('another list'),
    });
  });
});

describe('report list cursors', () => {
  const list = reportListCursor('casualties');
  const forged = (key: unknown) =>
    Buffer.from(JSON.stringify({ s: 'casualties', k: key })).toString('base64url');

  it('give back the key they encoded', () => {
    const key = { o: '2026-03-01T10:00:00.000Z', r: 'a'.repeat(128) };
    expect(list.decode(list.encode(key))).toEqual(key);
  });

  it.each([
    ['an instant in year 0', { o: '0000-01-01T00:00:00.000Z', r: 'x' }],
    ['an instant before 1900', { o: '1899-12-31T23:59:59.999Z', r: 'x' }],
    ['an instant beyond year 9999', { o: '+275760-09-13T00:00:00.000Z', r: 'x' }],
    ['a reportId with a NUL', { o: '2026-03-01T10:00:00.000Z', r: 'x\u0000' }],
    ['a reportId too long', { o: '2026-03-01T10:00:00.000Z', r: 'a'.repeat(129) }],
  ])('refuse a forged key with %s (PostgreSQL would fail on it) as a 400 on cursor', (_, key) => {
    const problem = problemOf(() => list.decode(forged(key)));
    expect(problem.status).toBe(400);
    expect(problem.errors).toEqual([{ path: 'cursor', message: expect.any(String) }]);
  });
});
