// Host-side weight conversions: IEEE half rounding and int8 per-output-column quantisation (the running
// maxima and the rounding checked against their definitions, special values and ties included).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dequantizeInt8,
  fromHalfBits,
  maxAbsPerFeature,
  quantizeInt8,
  quantizeWithScales,
  roundToHalf,
  toHalfArray,
  toHalfBits,
} from '../src/dtype.js';
import { seededRandom } from '../src/testing/compare.js';

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

describe('maxAbsPerFeature and quantizeWithScales against their definitions', () => {
  const special = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 1e-45, -3.4e38];
  /**
   * A [rows, cols] block of random values; in the first columns every other value is a special one, rotating
   * with the row, so each lands in every row position of a four-row step somewhere.
   */
  function block(rows: number, cols: number, seed: number): Float32Array {
    const rnd = seededRandom(seed);
    return Float32Array.from({ length: rows * cols }, (_, i) => {
      const [r, c] = [Math.floor(i / cols), i % cols];
      return c < 2 * special.length && (r + c) % 2 === 0
        ? special[(r + (c >> 1)) % special.length]!
        : (rnd() - 0.5) * 8;
    });
  }

  it('gives max |w| per column (NaN passed over) for every row count, the four-row steps and their tail', () => {
    const cols = 13;
    for (let rows = 1; rows <= 9; rows++) {
      const data = block(rows, cols, rows);
      const start = Float32Array.from({ length: cols }, (_, c) => (c % 3 === 0 ? 2.5 : 0));
      const got = maxAbsPerFeature(data, rows, cols, 1, start.slice());
      for (let c = 0; c < cols; c++) {
        let want = start[c]!;
        for (let r = 0; r < rows; r++) {
          const a = Math.abs(data[r * cols + c]!);
          if (a > want) want = a;
        }
        expect(got[c], `rows ${rows}, column ${c}`).toBe(want);
      }
    }
  });

  it('rounds v/scale to the nearest integer (ties up) clamped to ±127, NaN to 0, on both axes', () => {
    const rows = 7;
    const cols = 11;
    const data = block(rows, cols, 99);
    // ties and values at and past the clamp (v/scale)
    const ties = [0.5, -0.5, 2.5, -2.5, 126.5, -126.5, -127.75, 127.5, -128, 200, -200];
    ties.forEach((t, i) => {
      data[i] = t / 4;
    });
    const definition = (v: number, scale: number) => {
      const q = Math.floor(v / scale + 0.5);
      return Number.isNaN(q) ? 0 : Math.max(-127, Math.min(127, q));
    };
    const colScales = Float32Array.from({ length: cols }, (_, c) => (c === 0 ? 0.25 : 0.25 + c / 10));
    const byCol = quantizeWithScales(data, rows, cols, 1, colScales);
    const rowScales = Float32Array.from({ length: rows + 2 }, (_, r) => (r === 2 ? 0.25 : 0.3 + r / 7));
    const byRow = quantizeWithScales(data, rows, cols, 0, rowScales, 2);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const v = data[r * cols + c]!;
        // the library multiplies by the f64 inverse of the scale: compare with that product's rounding
        const inv = (s: number) => v * (1 / s);
        expect(byCol[r * cols + c], `column scale, ${v}`).toBe(definition(inv(colScales[c]!), 1));
        expect(byRow[r * cols + c], `row scale, ${v}`).toBe(definition(inv(rowScales[2 + r]!), 1));
      }
    }
    // row 0 has scale 0.25: its values are the ties above, v/scale exactly
    expect(Array.from(byRow.subarray(0, cols))).toEqual([1, 0, 3, -2, 127, -126, -127, 127, -127, 127, -127]);
  });
});
