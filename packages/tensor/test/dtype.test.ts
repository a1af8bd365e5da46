// Host-side weight conversions: IEEE half rounding and int8 per-output-column quantisation.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dequantizeInt8,
  fromHalfBits,
  quantizeInt8,
  roundToHalf,
  toHalfArray,
  toHalfBits,
} from '../src/dtype.js';

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

/**
 * The value of the half nearest to the f32 with bits `bits`, in double arithmetic (round to nearest even,
 * Infinity past 65504 + half an ulp): an oracle independent of the bit tricks in dtype.ts.
 */
function nearestHalf(bits: number): number {
  const v = new Float32Array(new Uint32Array([bits]).buffer)[0];
  if (Number.isNaN(v) || !Number.isFinite(v)) return v;
  const exponent = Math.max(((bits >>> 23) & 0xff) - 127, -14);
  const ulp = 2 ** (exponent - 10);
  const q = Math.abs(v) / ulp; // exact: a float has 24 significant bits
  const whole = Math.floor(q);
  const rest = q - whole;
  const rounded = rest > 0.5 || (rest === 0.5 && whole % 2 === 1) ? whole + 1 : whole;
  const magnitude = rounded * ulp > 65504 ? Number.POSITIVE_INFINITY : rounded * ulp;
  return bits >>> 31 ? -magnitude : magnitude;
}

describe('f16 arrays', () => {
  it('toHalfArray rounds to nearest even at every exponent, ties and carries included', () => {
    // low 13 bits (those a half drops): below, at and above the tie, with an even and an odd kept bit
    const lows = [
      0, 1, 0xfff, 0x1000, 0x1001, 0x1fff, 0x2000, 0x3000, 0x7fffff, 0x7fe000, 0x7ff000, 0x7fefff,
    ];
    const bits: number[] = [];
    for (let exponent = 0; exponent < 256; exponent++) {
      for (const sign of [0, 0x80000000]) {
        for (const low of lows) bits.push((sign | (exponent << 23) | low) >>> 0);
        for (let i = 0; i < 40; i++)
          bits.push((sign | (exponent << 23) | ((i * 2654435761) & 0x7fffff)) >>> 0);
      }
    }
    const values = new Float32Array(new Uint32Array(bits).buffer);
    const halves = toHalfArray(values);
    const wrong = bits.filter((b, i) => {
      const want = nearestHalf(b);
      const got = fromHalfBits(halves[i]);
      return Number.isNaN(want) ? !Number.isNaN(got) : !Object.is(got, want);
    });
    expect(wrong.map((b) => b.toString(16))).toEqual([]);
    expect(bits.length).toBeGreaterThan(25000);
  });

  it('toHalfArray reads a view in place and fills `into`', () => {
    const buffer = new Float32Array([7, 1, -2, 65504, 0.1]);
    const into = new Uint16Array(6).fill(0xffff);
    toHalfArray(buffer.subarray(1, 5), into);
    expect(Array.from(into)).toEqual([0x3c00, 0xc000, 0x7bff, 0x2e66, 0xffff, 0xffff]);
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
