// Python's repr(float) and json.dumps(indent=2, sort_keys=True), against values printed by CPython 3.
import { describe, expect, it } from 'vitest';
import { pyFloat, pyJsonDumps } from '../src/python-json.js';

describe('pyFloat', () => {
  // Each pair: the JS number and CPython's repr() of the same double.
  const cases: [number, string][] = [
    [1e-5, '1e-05'],
    [0.1, '0.1'],
    [1, '1.0'],
    [1e16, '1e+16'],
    [123456789012345680, '1.2345678901234568e+17'],
    [0.0001, '0.0001'],
    [1.5e-7, '1.5e-07'],
    [100, '100.0'],
    [1e15, '1000000000000000.0'],
    [-0.5, '-0.5'],
    [2.5e-5, '2.5e-05'],
    [0.02, '0.02'],
    [1e-12, '1e-12'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [1 / 3, '0.3333333333333333'],
    [1234.5678, '1234.5678'],
    [9999999999999998, '9999999999999998.0'],
    [0, '0.0'],
  ];
  it.each(cases)('repr(%s) is %s', (x, expected) => {
    expect(pyFloat(x)).toBe(expected);
  });
});

describe('pyJsonDumps', () => {
  it('sorts keys, indents by two, escapes non-ASCII like ensure_ascii, prints empty containers inline', () => {
    // CPython: json.dumps({'b':'é☃😀\x01"','a':[],'c':{}}, indent=2, sort_keys=True)
    const expected = '{\n  "a": [],\n  "b": "\\u00e9\\u2603\\ud83d\\ude00\\u0001\\"",\n  "c": {}\n}';
    expect(pyJsonDumps({ b: 'é☃😀\u0001"', a: [], c: {} })).toBe(expected);
  });

  it('prints listed float keys as floats even when integral', () => {
    expect(pyJsonDumps({ p: 0, n: 0 }, (k) => k === 'p')).toBe('{\n  "n": 0,\n  "p": 0.0\n}');
  });
});
