import { ProblemError } from '@cm/platform';
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
