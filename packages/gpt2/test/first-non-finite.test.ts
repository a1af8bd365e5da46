// firstNonFinite (src/load/dtype.ts): the first NaN or ±Infinity of a tensor, found through per-block sums.
import { describe, expect, it } from 'vitest';
import { firstNonFinite } from '../src/load/dtype.js';

/** The element-by-element definition. */
const slow = (data: Float32Array) => data.findIndex((v) => !Number.isFinite(v));

/** Finite values of every kind: zeros of both signs, subnormals, the largest f32, ordinary values. */
function finite(length: number): Float32Array {
  const kinds = [0, -0, 1e-45, -3e-42, 3.4028234663852886e38, -3.4028234663852886e38, 1.5, -2.25];
  return Float32Array.from({ length }, (_, i) => kinds[(i * 7) % kinds.length]! / (1 + (i % 3)));
}

describe('firstNonFinite', () => {
  it('finds nothing in finite data of any length (block and lane tails included)', () => {
    for (const length of [0, 1, 3, 4, 5, 4095, 4096, 4097, 3 * 4096 + 2]) {
      expect(firstNonFinite(finite(length))).toBe(-1);
    }
  });

  it.each([
    ['NaN', Number.NaN],
    ['+Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
  ])('finds %s at every lane and block position, and the first of several', (_, bad) => {
    const length = 3 * 4096 + 3;
    for (const at of [
      0,
      1,
      2,
      3,
      4,
      4095,
      4096,
      4097,
      8191,
      2 * 4096 + 5,
      length - 3,
      length - 2,
      length - 1,
    ]) {
      const data = finite(length);
      data[at] = bad;
      expect(firstNonFinite(data)).toBe(at);
      // a later one in the same block and one in a later block do not change the answer
      if (at + 1 < length) data[at + 1] = Number.NaN;
      if (at + 5000 < length) data[at + 5000] = Number.POSITIVE_INFINITY;
      expect(firstNonFinite(data)).toBe(slow(data));
    }
  });

  it('agrees with the element-by-element test on random data with rare non-finite values', () => {
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let trial = 0; trial < 50; trial++) {
      const length = 1 + Math.floor(random() * 20000);
      const data = Float32Array.from({ length }, () => (random() - 0.5) * 1e6);
      for (let k = Math.floor(random() * 3); k > 0; k--) {
        data[Math.floor(random() * length)] = [
          Number.NaN,
          Number.POSITIVE_INFINITY,
          Number.NEGATIVE_INFINITY,
        ][k % 3]!;
      }
      expect(firstNonFinite(data)).toBe(slow(data));
    }
  });
});
