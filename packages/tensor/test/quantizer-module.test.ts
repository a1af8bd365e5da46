// The WebAssembly SIMD activation quantiser (src/webasm/quantizer-module.ts) against quantizeActivations,
// bit for bit, alone and inside the int8 linear kernels.
import { afterEach, describe, expect, it } from 'vitest';
import { createBackend, linear } from '../src/index.js';
import { kPairs } from '../src/ops/linear-webasm.js';
import { randomArray, seededRandom } from '../src/testing/compare.js';
import { quantizeActivations } from '../src/webasm/activation-quant.js';
import { ActivationQuantizer, quantizerModuleBytes } from '../src/webasm/quantizer-module.js';

/** quantizeActivations' values and scales for rows [R, K] of x, padded to `rows` rows. */
function reference(x: Float32Array, R: number, K: number, rows: number) {
  const stride = 2 * kPairs(K);
  const values = new Int16Array(rows * stride);
  const scales = new Float32Array(rows);
  quantizeActivations(x, R, K, values, scales);
  return { values, scales, stride };
}

/** A deterministic pseudo-random generator (xorshift32), values in [−1, 1). */
function random(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 31 - 1;
  };
}

describe('ActivationQuantizer', () => {
  it('is valid WebAssembly', () => {
    expect(WebAssembly.validate(quantizerModuleBytes())).toBe(true);
  });

  const quantizer = ActivationQuantizer.create();
  if (!quantizer) throw new Error('this engine has WebAssembly SIMD: the quantiser must compile');

  it('matches quantizeActivations bit for bit, for every K remainder, row count and scale', () => {
    const next = random(1234);
    for (const K of [1, 2, 3, 4, 5, 7, 8, 30, 64, 127, 768, 3072]) {
      for (const [R, rows] of [
        [1, 1],
        [3, 3],
        [5, 16],
        [16, 16],
      ]) {
        // magnitudes from 1e-30 to 1e30, and rows where one element dominates
        const x = Float32Array.from({ length: R * K }, (_, i) => {
          const r = Math.floor(i / K);
          return next() * 10 ** (((r * 7) % 61) - 30) * (i % 13 === 0 ? 1000 : 1);
        });
        const want = reference(x, R, K, rows);
        const got = quantizer.quantize(x, R, K, want.stride, rows);
        expect(Array.from(got.values), `K=${K} R=${R}`).toEqual(Array.from(want.values));
        expect(Array.from(got.scales), `K=${K} R=${R}`).toEqual(Array.from(want.scales));
      }
    }
  });

  it('rounds ties to even, and gives zero rows scale 0 and rows with NaN or ±Infinity scale NaN', () => {
    const K = 5;
    const x = Float32Array.from([
      ...[0, 0, 0, 0, 0],
      ...[1, Number.NaN, 2, 3, 0],
      ...[1, 2, 3, 0, Number.NEGATIVE_INFINITY],
      ...[-1, 2, 0.5, 0, -0],
      // 32767 / 65534 · k: exact halves, to the even neighbour
      ...[65534, 1, 3, 5, -7],
    ]);
    const R = 5;
    const want = reference(x, R, K, R);
    const got = quantizer.quantize(x, R, K, want.stride);
    expect(Array.from(got.values)).toEqual(Array.from(want.values));
    expect(Array.from(got.scales)).toEqual(Array.from(want.scales));
    expect(got.scales[0]).toBe(0);
    expect(got.scales[1]).toBeNaN();
    expect(got.scales[2]).toBeNaN();
    expect(Array.from(got.values.subarray(3 * want.stride, 3 * want.stride + 4))).toEqual([
      -16384, 32767, 8192, 0,
    ]);
    // 1 · 32767/65534 = 0.5 → 0, 3 · … = 1.5 → 2, 5 · … = 2.5 → 2, −7 · … = −3.5 → −4
    expect(Array.from(got.values.subarray(4 * want.stride, 4 * want.stride + 5))).toEqual([
      32767, 0, 2, 2, -4,
    ]);
  });

  it('grows its memory for large calls and zeroes rows past R and scales of missing rows', () => {
    const K = 3072;
    const R = 20;
    const x = Float32Array.from({ length: R * K }, (_, i) => Math.sin(i) * (1 + (i % 7)));
    const stride = 2 * kPairs(K);
    const first = quantizer.quantize(x, R, K, stride, 32);
    const want = reference(x, R, K, 32);
    expect(Array.from(first.values)).toEqual(Array.from(want.values));
    expect(Array.from(first.scales.subarray(R))).toEqual(new Array(32 - R).fill(0));
    // a smaller call after a larger one: stale values from the larger call do not leak into the padding
    const small = quantizer.quantize(x, 2, K, stride, 4);
    expect(Array.from(small.values)).toEqual(Array.from(reference(x, 2, K, 4).values));
  });
});

describe('int8 linear with and without the quantiser module', () => {
  const globals = globalThis as Record<string, unknown>;
  afterEach(() => {
    delete globals.GPT2JS_WASM_QUANTIZER;
  });

  it('GPT2JS_WASM_QUANTIZER=0 turns it off', () => {
    globals.GPT2JS_WASM_QUANTIZER = 0;
    expect(ActivationQuantizer.create()).toBeUndefined();
  });

  it('gives the same bits, decode and prefill (quantizeActivations where the module is off)', async () => {
    const K = 200; // not a multiple of 8: padded k pairs
    const N = 40;
    const rnd = seededRandom(5);
    const w = randomArray(rnd, K * N, 0.1);
    const bias = randomArray(rnd, N);
    const x = randomArray(rnd, 21 * K);
    // a row of zeros and a row with a NaN, among ordinary ones
    x.fill(0, 2 * K, 3 * K);
    x[5 * K + 7] = Number.NaN;
    const outputs: Float32Array[][] = [];
    for (const off of [false, true]) {
      if (off) globals.GPT2JS_WASM_QUANTIZER = 0;
      const backend = await createBackend({ backend: 'webasm' });
      const weight = backend.weight(w, [K, N], { dtype: 'int8' });
      const results: Float32Array[] = [];
      // 1 row: the decode kernel; 21: two prefill calls, the second partly zero rows
      for (const R of [1, 21]) {
        results.push(
          await backend.scope(async () =>
            linear(backend.tensor(x.subarray(0, R * K), [R, K]), weight, backend.tensor(bias, [N])).toArray(),
          ),
        );
      }
      outputs.push(results);
      backend.dispose();
    }
    for (let i = 0; i < 2; i++) expect(Array.from(outputs[0][i])).toEqual(Array.from(outputs[1][i]));
    const prefill = outputs[0][1];
    expect(prefill.subarray(2 * N, 3 * N).every((v, n) => v === Math.fround(bias[n]))).toBe(true);
    expect(prefill.subarray(5 * N, 6 * N).every(Number.isNaN)).toBe(true);
    expect(prefill.subarray(6 * N).every(Number.isFinite)).toBe(true);
  });
});
