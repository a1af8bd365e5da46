// int16 activations of the webasm int8 linear kernels (src/webasm/activation-quant.ts).
import { describe, expect, it } from 'vitest';
import { kPairs } from '../src/ops/linear-webasm.js';
import { ACTIVATION_LEVELS, quantizeActivations } from '../src/webasm/activation-quant.js';

describe('quantizeActivations', () => {
  it('keeps every element within half a step (max|x| / 65534) of x, row by row, with zero padding', () => {
    const K = 30; // kPairs(30) = 16 pairs: 2 padding elements per row
    const rows = 3;
    const x = Float32Array.from(
      { length: rows * K },
      (_, i) => Math.sin(i * 1.7) * (1 + (i % K) ** 2) * (i < K ? 1e-3 : 50),
    );
    const stride = 2 * kPairs(K);
    const out = new Int16Array(rows * stride).fill(123);
    const scales = new Float32Array(rows);
    quantizeActivations(x, rows, K, out, scales);
    for (let r = 0; r < rows; r++) {
      const row = x.subarray(r * K, (r + 1) * K);
      const max = Math.max(...Array.from(row, Math.abs));
      expect(scales[r]).toBe(Math.fround(max / ACTIVATION_LEVELS));
      let peak = 0;
      for (let k = 0; k < K; k++) {
        const q = out[r * stride + k];
        peak = Math.max(peak, Math.abs(q));
        expect(Math.abs((q * max) / ACTIVATION_LEVELS - row[k])).toBeLessThanOrEqual(
          max / (2 * ACTIVATION_LEVELS) + 1e-9 * max,
        );
      }
      expect(peak).toBe(ACTIVATION_LEVELS); // the largest element uses the whole range
      expect(Array.from(out.subarray(r * stride + K, (r + 1) * stride))).toEqual([0, 0]);
    }
  });

  it('a zero row gets scale 0; a row with NaN or Infinity gets scale NaN', () => {
    const K = 4;
    const x = Float32Array.from([
      0,
      0,
      0,
      0,
      1,
      Number.NaN,
      2,
      3,
      1,
      Number.POSITIVE_INFINITY,
      2,
      3,
      -1,
      2,
      0.5,
      0,
    ]);
    const stride = 2 * kPairs(K); // 8: four padding elements per row
    const out = new Int16Array(4 * stride);
    const scales = new Float32Array(4);
    quantizeActivations(x, 4, K, out, scales);
    expect(scales[0]).toBe(0);
    expect(Array.from(out.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    expect(scales[1]).toBeNaN();
    expect(scales[2]).toBeNaN();
    expect(scales[3]).toBe(Math.fround(2 / ACTIVATION_LEVELS));
    // −1 · 32767/2 = −16383.5: a tie, to the even −16384; 0.5 · 32767/2 = 8191.75 → 8192
    expect(Array.from(out.subarray(3 * stride, 4 * stride))).toEqual([-16384, 32767, 8192, 0, 0, 0, 0, 0]);
  });
});
