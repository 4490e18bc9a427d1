import { assertExpectedVersion, matchesExpectedVersion } from './expected-version';

describe('expected version', () => {
  it("'no_stream' matches only a stream without events", () => {
    expect(matchesExpectedVersion('no_stream', 0)).toBe(true);
    expect(matchesExpectedVersion('no_stream', 1)).toBe(false);
  });

  it("'any' matches every version", () => {
    expect(matchesExpectedVersion('any', 0)).toBe(true);
    expect(matchesExpectedVersion('any', 12)).toBe(true);
  });

  it('a number matches exactly that version', () => {
    expect(matchesExpectedVersion(3, 3)).toBe(true);
    expect(matchesExpectedVersion(3, 2)).toBe(false);
    expect(matchesExpectedVersion(3, 4)).toBe(false);
  });

  it('rejects versions that cannot be', () => {
    expect(() => assertExpectedVersion(-1)).toThrow(RangeError);
    expect(() => assertExpectedVersion(1.5)).toThrow(RangeError);
    expect(() => assertExpectedVersion(2 ** 31)).toThrow(RangeError);
  });
});
