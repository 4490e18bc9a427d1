import { canonicalJson } from './canonical-json';
import { aSanctionDemandReport, reverseKeys } from './testing';

describe('canonicalJson', () => {
  it('given the same content with keys in another order, then the text is the same', () => {
    const a = { b: 1, a: { d: [1, { z: 1, y: 2 }], c: 'x' } };
    const b = { a: { c: 'x', d: [1, { y: 2, z: 1 }] }, b: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":{"c":"x","d":[1,{"y":2,"z":1}]},"b":1}');
  });

  it('given a report with its keys reversed at every level, then the text is the same', () => {
    const report = aSanctionDemandReport();
    expect(canonicalJson(reverseKeys(report))).toBe(canonicalJson(report));
  });

  it('given other content, then the text differs', () => {
    const report = aSanctionDemandReport();
    const other = aSanctionDemandReport({ theatre: 'russia-ukraine-2' });
    expect(canonicalJson(other)).not.toBe(canonicalJson(report));
  });

  it('given arrays, then their order is kept (it is content)', () => {
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });

  it('given sorted keys, then it is exactly JSON.stringify', () => {
    const value = { a: 'é "quoted" \n', b: [true, false, null, -0, 1e21, 0.1], c: { 'x y': 1 } };
    expect(canonicalJson(value)).toBe(JSON.stringify(value));
  });

  it('given what JSON.stringify leaves out or nulls, then it does the same', () => {
    const value = { f: () => 1, i: Infinity, list: [undefined, () => 1], n: NaN, u: undefined };
    expect(canonicalJson(value)).toBe(JSON.stringify(value));
    expect(canonicalJson({ at: new Date(0) })).toBe('{"at":"1970-01-01T00:00:00.000Z"}');
  });

  it('given keys that need escaping or are not ASCII, then they sort by code unit', () => {
    expect(canonicalJson({ é: 1, z: 2, 'a"b': 3, A: 4 })).toBe('{"A":4,"a\\"b":3,"z":2,"é":1}');
  });

  it('given integer-like keys, then they sort as strings whatever order JavaScript enumerates', () => {
    expect(canonicalJson({ 9: 'a', 10: 'b', x: { 2: 1, 1: 2 } })).toBe(
      '{"10":"b","9":"a","x":{"1":2,"2":1}}',
    );
  });

  it('given objects that are not plain, then they are written as before', () => {
    // Boxed primitives and class instances: JSON.stringify would write them otherwise.
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    expect(canonicalJson({ a: new Point(1, 2) })).toBe('{"a":{"x":1,"y":2}}');
    expect(canonicalJson({ a: Object(1) as object })).toBe('{"a":{}}');
    expect(canonicalJson({ a: { b: [{ c: new Date(0) }] } })).toBe(
      '{"a":{"b":[{"c":"1970-01-01T00:00:00.000Z"}]}}',
    );
  });

  it('given a value JSON cannot represent, then it throws', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(TypeError);
    expect(() => canonicalJson({ big: BigInt(1) })).toThrow(TypeError);
    expect(() => canonicalJson({ list: [BigInt(1)] })).toThrow('canonicalJson: a BigInt');
    const sortedCycle: Record<string, unknown> = { a: 1 };
    sortedCycle.b = sortedCycle;
    expect(() => canonicalJson(sortedCycle)).toThrow('canonicalJson: the value is cyclic');
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
  });
});
