// expNonPositive (src/exp.ts) against Math.exp and exact arithmetic: its table of 2^(j/128) is correctly
// rounded and its tails right, its results are within 1 ulp of Math.exp's (itself within 1 ulp of e^x) over
// the arguments a softmax gives it, and the edges (0, −0, underflow, −Infinity, NaN, positive x) are exp's.

import { describe, expect, it } from 'vitest';
import { expNonPositive, ROOT_TAILS, ROOTS } from '../src/exp.js';
import { createRng } from '../src/rng.js';

const bits = new Float64Array(1);
const word = new BigInt64Array(bits.buffer);
/** The distance between two finite doubles of one sign, in units in the last place. */
function ulps(a: number, b: number): number {
  bits[0] = a;
  const x = word[0];
  bits[0] = b;
  return Math.abs(Number(x - word[0]));
}

/** A finite double as an exact fraction n / 2^d (d ≥ 0). */
function dyadic(x: number): [bigint, number] {
  bits[0] = x;
  const w = word[0];
  const exponent = Number((w >> 52n) & 0x7ffn);
  let n = w & ((1n << 52n) - 1n);
  if (exponent !== 0) n |= 1n << 52n;
  if (w < 0n) n = -n;
  // x = n · 2^(max(exponent, 1) − 1075)
  const shift = Math.max(exponent, 1) - 1075;
  return shift >= 0 ? [n << BigInt(shift), 0] : [n, -shift];
}

describe('expNonPositive', () => {
  it('tabulates 2^(j/128) as the nearest double, checked in integers', () => {
    expect(ROOTS).toHaveLength(128);
    for (let j = 0; j < 128; j++) {
      // ROOTS[j] = m / 2^52 with m an integer in [2^52, 2^53); nearest ⟺ (2m − 1)/2^53 ≤ 2^(j/128) ≤ (2m + 1)/2^53,
      // i.e. (2m − 1)^128 ≤ 2^(53·128 + j) ≤ (2m + 1)^128
      const m = BigInt(ROOTS[j] * 2 ** 52);
      expect(Number(m) / 2 ** 52).toBe(ROOTS[j]);
      const exact = 2n ** BigInt(53 * 128 + j);
      expect((2n * m - 1n) ** 128n <= exact, `entry ${j} too large`).toBe(true);
      expect(exact <= (2n * m + 1n) ** 128n, `entry ${j} too small`).toBe(true);
    }
  });

  it('adds back what each entry dropped: entry + tail is 2^(j/128) to 2^−100', () => {
    for (let j = 0; j < 128; j++) {
      // entry + tail = A / 2^D exactly; (A / 2^D)^128 against 2^j: relative error ≤ 128 · 2^−100
      const [a, da] = dyadic(ROOTS[j]);
      const [b, db] = dyadic(ROOT_TAILS[j]);
      const D = Math.max(da, db);
      const A = (a << BigInt(D - da)) + (b << BigInt(D - db));
      const power = A ** 128n;
      const exact = 1n << BigInt(j + 128 * D);
      const error = power > exact ? power - exact : exact - power;
      expect(error * (1n << 100n) <= exact * 128n, `entry ${j}`).toBe(true);
      expect(Math.abs(ROOT_TAILS[j])).toBeLessThanOrEqual(2 ** -53 * ROOTS[j]);
    }
  });

  it('is within 1 ulp of Math.exp over the range of softmax terms', () => {
    const rng = createRng(11);
    let worst = 0;
    let differing = 0;
    const spans = [1e-6, 0.5, 2, 30, 120, 708];
    let n = 0;
    for (const span of spans) {
      for (let i = 0; i < 100_000; i++) {
        // f32 logits minus an f32 maximum, as the sampling loops form them
        const x = Math.fround(-rng.nextFloat64() * span) - Math.fround(rng.nextFloat64() * 1e-3);
        const d = ulps(expNonPositive(x), Math.exp(x));
        worst = Math.max(worst, d);
        if (d > 0) differing++;
        n++;
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
    // a check that the comparison sees something: the two methods do not round alike everywhere
    expect(differing / n).toBeGreaterThan(0);
    expect(differing / n).toBeLessThan(0.2);
  });

  it('is exact where e^x is, and at the edges', () => {
    expect(expNonPositive(0)).toBe(1);
    expect(expNonPositive(-0)).toBe(1);
    expect(expNonPositive(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(expNonPositive(Number.NaN)).toBeNaN();
    expect(expNonPositive(-746)).toBe(0);
    expect(expNonPositive(-1e300)).toBe(0);
    expect(expNonPositive(-745)).toBeGreaterThan(0); // 5e-324, the smallest subnormal
    expect(expNonPositive(-700)).toBeCloseTo(Math.exp(-700), 310);
    expect(expNonPositive(-1)).toBe(0.36787944117144233);
    expect(expNonPositive(-Math.LN2)).toBe(0.5);
    expect(expNonPositive(2)).toBe(Math.exp(2));
    expect(expNonPositive(-5e-324)).toBe(1);
  });

  it('never increases as x decreases, across table entries and powers of two', () => {
    const rng = createRng(5);
    for (let i = 0; i < 20_000; i++) {
      const x = -rng.nextFloat64() * 700;
      // neighbours a few ulps apart, and ±one table step (ln2/128) apart
      for (const dx of [1e-13, 1e-9, Math.LN2 / 128]) {
        expect(expNonPositive(x - dx)).toBeLessThanOrEqual(expNonPositive(x));
      }
    }
  });
});
