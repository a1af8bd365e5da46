// Host-side weight conversions: IEEE half rounding and int8 per-output-column quantisation.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dequantizeInt8, fromHalfBits, quantizeInt8, roundToHalf, toHalfBits } from '../src/dtype.js';

describe('f16', () => {
  it('converts hand-checked values', () => {
    expect(toHalfBits(1)).toBe(0x3c00);
    expect(toHalfBits(-2)).toBe(0xc000);
    expect(toHalfBits(65504)).toBe(0x7bff);
    expect(toHalfBits(70000)).toBe(0x7c00);
    expect(toHalfBits(2 ** -24)).toBe(0x0001);
    expect(toHalfBits(0.1)).toBe(0x2e66);
    expect(fromHalfBits(0x3555)).toBeCloseTo(0.333251953125, 12);
    expect(Number.isNaN(fromHalfBits(toHalfBits(Number.NaN)))).toBe(true);
  });

  it('round-trips every half exactly and rounds floats within half an ulp', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) continue;
      if (toHalfBits(fromHalfBits(h)) !== h) wrong.push(h);
    }
    expect(wrong).toEqual([]);
    fc.assert(
      fc.property(fc.float({ min: -60000, max: 60000, noNaN: true }), (v) => {
        const r = roundToHalf(Float32Array.of(v))[0];
        const ulp = 2 ** (Math.max(Math.floor(Math.log2(Math.abs(v) || 2 ** -14)), -14) - 10);
        return Math.abs(r - v) <= ulp / 2;
      }),
    );
  });
});

describe('int8', () => {
  it('uses max|w|/127 per output column of an in_out matrix and per row of out_in', () => {
    const w = Float32Array.of(1, -0.5, 0, /* row 2 */ -2, 0.25, 0);
    const cols = quantizeInt8(w, 2, 3, 1);
    expect(Array.from(cols.scales)).toEqual([2 / 127, 0.5 / 127, 1].map(Math.fround));
    expect(Array.from(cols.q)).toEqual([64, -127, 0, -127, 64, 0]);
    const rows = quantizeInt8(w, 2, 3, 0);
    expect(Array.from(rows.scales)).toEqual([1 / 127, 2 / 127].map(Math.fround));
  });

  it('dequantises within half a scale step', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -10, max: 10, noNaN: true }), { minLength: 12, maxLength: 12 }),
        (values) => {
          const w = Float32Array.from(values);
          const quant = quantizeInt8(w, 3, 4, 1);
          const back = dequantizeInt8(quant, 3, 4, 1);
          return back.every((v, i) => Math.abs(v - w[i]) <= quant.scales[i % 4] / 2 + 1e-6);
        },
      ),
    );
  });
});
