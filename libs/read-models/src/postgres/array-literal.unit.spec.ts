import { arrayLiteral } from './array-literal';

describe('arrayLiteral', () => {
  it('quotes strings, escapes quotes and backslashes, and writes NULL for missing values', () => {
    expect(arrayLiteral(['a', 'say "hi"', 'back\\slash', null, undefined, 3, true, ''])).toBe(
      '{"a","say \\"hi\\"","back\\\\slash",NULL,NULL,3,true,""}',
    );
  });

  it('writes an empty array', () => {
    expect(arrayLiteral([])).toBe('{}');
  });
});
