// Fused multiply-adds (src/codegen/fused-multiply-add.ts): with relaxed SIMD, `s += a * b` over floats becomes
// one f32x4.relaxed_madd in the SIMD kernel; results stay within one rounding per term of stock gpu.js and of
// a float64 reference; integer pair dot products, masked branches and the switch keep stock code.
// This file turns relaxed SIMD on (Node 20 has it behind a V8 flag) and clears the tests' default switch.
import * as gpujs from 'gpu.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  enableRelaxedSimd,
  fusedMultiplyAddEnabled,
  fusedMultiplyAddStatus,
  HalfArray,
  hasRelaxedSimd,
  uninstallWebasmCodegen,
} from '../../src/codegen/index.js';
import { kPairs, matvecSource } from '../../src/ops/linear-webasm.js';
import { constantMatvec, halfValues, input, seededHalfBits, seededInt8 } from './compact-helpers.js';
import { bitsEqual, runPair, seeded } from './harness.js';
import { f32DecodeKernel, streamConstants } from './linear-streams.js';
import { simdKernelCounts } from './wasm-walk.js';

const RELAXED_MADD = 'fd105';
const DOT_I16X8 = 'fdba';
const F32X4_MUL = 'fde6';
const F32X4_ADD = 'fde4';

const switches = globalThis as { GPT2JS_WASM_FMA?: unknown };

beforeAll(async () => {
  delete process.env.GPT2JS_WASM_FMA;
  expect(await enableRelaxedSimd()).toBe(true);
});

afterAll(() => {
  uninstallWebasmCodegen(gpujs);
});

/**
 * The matvec kernel in float64, gelu off: output 16g + 4x + c (lane x, component c) sums weight lane
 * q = x + 4c of group g, x[k]·w[(g·K + k)·16 + q], plus bias[16g + q]; `bound` is Σ |terms|.
 */
function decodeReference(x: Float32Array, w: Float32Array, bias: Float32Array, K: number, G: number) {
  const y = new Float64Array(16 * G);
  const bound = new Float64Array(16 * G);
  for (let g = 0; g < G; g++) {
    for (let p = 0; p < 16; p++) {
      const q = (p >> 2) + 4 * (p & 3);
      let s = bias[16 * g + q]!;
      let abs = Math.abs(s);
      for (let k = 0; k < K; k++) {
        const t = x[k]! * w[(g * K + k) * 16 + q]!;
        s += t;
        abs += Math.abs(t);
      }
      y[16 * g + p] = s;
      bound[16 * g + p] = abs;
    }
  }
  return { y, bound };
}

/**
 * Whether relaxed_madd rounds once on this CPU (V8 emits an FMA3 instruction where the CPU has one, else a
 * multiply and an add): a·b + c with a = b = 1 + 2^-12, c = −1 is 2^-11 + 2^-24 fused, 2^-11 unfused.
 */
function fusesHere(): boolean {
  const a = new Float32Array(4).fill(1 + 2 ** -12);
  const c = new Float32Array(4).fill(-1);
  const pair = runPair(
    (gpu) =>
      gpu.createKernel(
        `function (a, b, c) { return a[this.thread.x] * b[this.thread.x] + c[this.thread.x]; }` as unknown as () => number,
        { output: [4] },
      ),
    [a, a, c],
  );
  expect(simdKernelCounts(pair.extendedBytes).get(RELAXED_MADD)).toBe(1);
  expect([...pair.stock]).toEqual([2 ** -11, 2 ** -11, 2 ** -11, 2 ** -11]);
  const fused = 2 ** -11 + 2 ** -24;
  expect([fused, 2 ** -11]).toContain(pair.extended[0]);
  return pair.extended[0] === fused;
}

describe('fused multiply-adds (relaxed SIMD)', () => {
  let fuses = false;
  beforeAll(() => {
    fuses = fusesHere();
  });

  it('is on once relaxed SIMD is, and the switch turns it off', () => {
    expect(hasRelaxedSimd()).toBe(true);
    expect(fusedMultiplyAddEnabled()).toBe(true);
    expect(fusedMultiplyAddStatus()).toBe('fused multiply-adds on (relaxed SIMD)');
    switches.GPT2JS_WASM_FMA = 0;
    try {
      expect(fusedMultiplyAddEnabled()).toBe(false);
      expect(fusedMultiplyAddStatus()).toMatch(/off \(GPT2JS_WASM_FMA=0\)/);
    } finally {
      delete switches.GPT2JS_WASM_FMA;
    }
  });

  it('the f32 decode kernel: one relaxed_madd per accumulator and pair of k, beside a multiply and an add', () => {
    const K = 40;
    const G = 3;
    const w = seeded(16 * K * G, 1);
    const x = seeded(K, 2);
    const bias = seeded(16 * G, 3);
    const pair = runPair(f32DecodeKernel(K, G, w), [
      x,
      new gpujs.Input(bias as unknown as number[], [16, G]),
      0,
    ]);
    const counts = simdKernelCounts(pair.extendedBytes);
    // eight accumulators (the two halves of four features), each adding the sum of two products per
    // iteration: x₀w₀ + x₁w₁ becomes one multiply and one relaxed_madd, then the accumulator adds it
    expect(counts.get(`loop:${RELAXED_MADD}`)).toBe(8);
    expect(counts.get(`loop:${F32X4_MUL}`)).toBe(8);
    expect(counts.get(`loop:${F32X4_ADD}`)).toBe(8);
    const stock = simdKernelCounts(pair.stockBytes);
    expect(stock.get(`loop:${F32X4_MUL}`)).toBe(16);
    expect(stock.get(`loop:${RELAXED_MADD}`) ?? 0).toBe(0);

    const { y, bound } = decodeReference(x, w, bias, K, G);
    const ulp = 2 ** -23;
    let differs = 0;
    for (let i = 0; i < y.length; i++) {
      // each of at most 2K + 2 roundings (products, partial sums, the bias) moves the sum by at most half an
      // ulp of the magnitude of its terms
      const tolerance = (K + 1) * ulp * bound[i]!;
      expect(Math.abs(pair.extended[i]! - y[i]!)).toBeLessThanOrEqual(tolerance);
      expect(Math.abs(pair.stock[i]! - y[i]!)).toBeLessThanOrEqual(tolerance);
      if (pair.extended[i] !== pair.stock[i]) differs++;
    }
    // a fused multiply-add rounds once: over 48 sums of 40 terms some bits differ from stock's (none where
    // the CPU has no FMA and V8 multiplies and adds)
    if (fuses) expect(differs).toBeGreaterThan(0);
    else expect(differs).toBe(0);
  });

  it('the switch compiles stock multiplies and adds again, with stock bits', () => {
    const K = 16;
    const G = 2;
    const w = seeded(16 * K * G, 4);
    const x = seeded(K, 5);
    const bias = new gpujs.Input(seeded(16 * G, 6) as unknown as number[], [16, G]);
    switches.GPT2JS_WASM_FMA = 0;
    try {
      const pair = runPair(f32DecodeKernel(K, G, w), [x, bias, 0]);
      expect(bitsEqual(pair.extended, pair.stock)).toBe(true);
      expect(simdKernelCounts(pair.extendedBytes).get(`loop:${RELAXED_MADD}`) ?? 0).toBe(0);
    } finally {
      delete switches.GPT2JS_WASM_FMA;
    }
  });

  it('f16 weights: the widened half goes straight into the fused multiply-add', () => {
    const K = 24;
    const N = 16;
    const bits = seededHalfBits(K * N, 7);
    const x = seeded(K, 8);
    const values = halfValues(bits);
    const pair = runPair((gpu) => constantMatvec(gpu, HalfArray.fromBits(bits), K, N), [x]);
    const counts = simdKernelCounts(pair.extendedBytes);
    // one accumulator: `sum += v[k] * w[y][k][x]`
    expect(counts.get(`loop:${RELAXED_MADD}`)).toBe(1);
    expect(counts.get(`loop:${F32X4_MUL}`)).toBe(1); // the half's exponent rebias (× 2^112) only
    expect(counts.get(`loop:${F32X4_ADD}`) ?? 0).toBe(0);
    // y[4j + lane] = Σ_k x[k]·w[(j·K + k)·4 + lane] (constantMatvec's packed layout), one rounding per term
    for (let n = 0; n < N; n++) {
      let s = 0;
      let abs = 0;
      for (let k = 0; k < K; k++) {
        const t = x[k]! * values[((n >> 2) * K + k) * 4 + (n & 3)]!;
        s += t;
        abs += Math.abs(t);
      }
      expect(Math.abs(pair.extended[n]! - s)).toBeLessThanOrEqual((K + 1) * 2 ** -23 * abs);
    }
  });

  it('the int8 decode kernel keeps its integer dot products and stock bits', () => {
    const K = 32;
    const G = 2;
    const K2 = kPairs(K);
    const w = seededInt8(32 * K2 * G, 11);
    const x = Int16Array.from(seeded(2 * K2, 12), (v) => Math.round(v * 30000));
    const pair = runPair(
      (gpu) =>
        gpu.createKernel(
          matvecSource({ K, G, int8: true }) as unknown as () => number,
          {
            output: [4, G],
            returnType: 'Array(4)',
            constants: { ...streamConstants(w, K2, G, 32), scale: input(seeded(16 * G, 13), [16, G]) },
          } as gpujs.IGPUKernelSettings,
        ),
      [input(x, [2, K2]), input(seeded(16 * G, 14), [16, G]), 0, 0.5],
    );
    const counts = simdKernelCounts(pair.extendedBytes);
    expect(counts.get(`loop:${DOT_I16X8}`)).toBe(16); // four accumulators, four pairs each
    expect(counts.get(`loop:${RELAXED_MADD}`) ?? 0).toBe(0);
    expect(bitsEqual(pair.extended, pair.stock)).toBe(true);
  });

  it('a product on the left, and a masked branch: fused outside the mask only', () => {
    const source = `function (a, b) {
      let s = a[this.thread.y] * b[this.thread.x] + b[this.thread.x + 1];
      if (this.thread.x > 1) { s += a[this.thread.y + 1] * b[this.thread.x]; }
      return s;
    }`;
    const a = seeded(9, 9);
    const b = seeded(9, 10);
    const pair = runPair(
      (gpu) => gpu.createKernel(source as unknown as () => number, { output: [8, 8] }),
      [a, b],
    );
    const counts = simdKernelCounts(pair.extendedBytes);
    expect(counts.get(RELAXED_MADD)).toBe(1);
    expect(counts.get(F32X4_MUL)).toBe(1); // the masked product keeps stock's multiply and add
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        const f = Math.fround;
        // one rounding of the exact a·b + c (a·b is exact in float64), or stock's two without FMA3
        const fused = fuses ? f(a[y]! * b[x]! + b[x + 1]!) : f(f(a[y]! * b[x]!) + b[x + 1]!);
        const first = pair.extended[y * 8 + x]!;
        if (x <= 1) expect(first).toBe(fused);
        else expect(first).toBe(f(fused + f(a[y + 1]! * b[x]!)));
      }
    }
  });
});
