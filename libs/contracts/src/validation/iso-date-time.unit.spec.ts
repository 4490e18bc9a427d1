import { normaliseIsoDateTime, parseIsoDateTime } from './iso-date-time';

describe('RFC 3339 date-times', () => {
  it.each([
    ['2024-11-04T00:00:00Z', '2024-11-04T00:00:00.000Z'],
    ['2024-11-04T00:00:00.5Z', '2024-11-04T00:00:00.500Z'],
    ['2024-11-04T00:00:00.123456789Z', '2024-11-04T00:00:00.123Z'],
    ['2024-11-04T03:00:00+03:00', '2024-11-04T00:00:00.000Z'],
    ['2024-11-03T19:00:00-05:00', '2024-11-04T00:00:00.000Z'],
    ['2024-11-04T00:00:00-00:00', '2024-11-04T00:00:00.000Z'],
    ['2024-11-04t00:00:00z', '2024-11-04T00:00:00.000Z'],
    ['2024-02-29T12:00:00Z', '2024-02-29T12:00:00.000Z'],
    ['2000-02-29T12:00:00Z', '2000-02-29T12:00:00.000Z'],
    ['0050-06-01T00:00:00Z', '0050-06-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
  ])('given %s, then it is read as %s', (text, iso) => {
    expect(parseIsoDateTime(text)).toBe(Date.parse(iso));
    expect(normaliseIsoDateTime(text)).toBe(iso);
  });

  it.each([
    ['2024-13-45T00:00:00Z'],
    ['2024-00-10T00:00:00Z'],
    ['2024-04-31T00:00:00Z'],
    ['2023-02-29T00:00:00Z'],
    ['1900-02-29T00:00:00Z'],
    ['2024-11-04T24:00:00Z'],
    ['2024-11-04T23:60:00Z'],
    ['2024-11-04T23:59:60Z'],
    ['2024-11-04T00:00:00+24:00'],
    ['2024-11-04T00:00:00+03:60'],
    ['2024-11-04T00:00:00+0300'],
    ['2024-11-04T00:00Z'],
    ['2024-11-04T00:00:00'],
    ['2024-11-04'],
    ['2024-11-04 00:00:00Z'],
    ['+002024-11-04T00:00:00Z'],
    ['2024-11-04T00:00:00.Z'],
    ['2024-11-04T00:00:00.1234567890Z'],
    ['Mon, 04 Nov 2024 00:00:00 GMT'],
    ['0000-01-01T00:00:00+01:00'],
    ['9999-12-31T23:59:59-01:00'],
    [''],
    [20241104],
    [null],
  ])('given %p, then it is not a date-time', (value) => {
    expect(parseIsoDateTime(value)).toBeUndefined();
  });

  it('given the same string twice among others, then the answer does not change', () => {
    const texts = [
      '2024-11-04T00:00:00Z',
      'garbage',
      '2024-11-05T00:00:00Z',
      '2024-11-04T00:00:00Z',
    ];
    const answers = texts.map((text) => parseIsoDateTime(text));
    expect(answers).toEqual([
      Date.parse('2024-11-04T00:00:00Z'),
      undefined,
      Date.parse('2024-11-05T00:00:00Z'),
      Date.parse('2024-11-04T00:00:00Z'),
    ]);
  });

  it('given an invalid string to normalise, then it throws', () => {
    expect(() => normaliseIsoDateTime('2024-13-45T00:00:00Z')).toThrow(RangeError);
  });
});
