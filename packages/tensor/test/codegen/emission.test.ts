// The extension must really change what gpu.js emits: these tests decode the compiled module of
// each kernel (stock and extended) and count instructions in its SIMD kernel function.
import * as gpujs from 'gpu.js';
import { afterAll, describe, expect, it } from 'vitest';
import { uninstallWebasmCodegen } from '../../src/codegen/index.js';
import { rows2d, runPair, seeded } from './harness.js';
import { simdKernelCounts, simdLoadOffsets } from './wasm-walk.js';

// kernel `this`: thread ids, output size and (for the matvec kernels) the constants they read
type Kernel = gpujs.IKernelFunctionThis<{ K: number; w: number[][][] }>;

afterAll(() => {
  uninstallWebasmCodegen(gpujs);
});

const count = (counts: Map<string, number>, name: string): number => counts.get(name) ?? 0;

describe('emitted WebAssembly', () => {
  const K = 16;
  const N = 8;
  const matvec = runPair(
    (gpu) =>
      gpu.createKernel(
        function (this: Kernel, v: number[]) {
          let sum = 0;
          for (let k = 0; k < this.constants.K; k++) {
            sum += v[k] * this.constants.w[this.thread.y][k][this.thread.x];
          }
          return sum;
        },
        {
          output: [4, N / 4],
          constants: { K, w: new gpujs.Input(seeded(K * N, 1) as unknown as number[], [4, K, N / 4]) },
        },
      ),
    [seeded(K, 2)],
  );
  const stock = simdKernelCounts(matvec.stockBytes);
  const extended = simdKernelCounts(matvec.extendedBytes);

  it('stock gathers the weight lane by lane; the extension loads it with one v128.load', () => {
    expect(count(stock, 'v128.load')).toBe(0);
    expect(count(stock, 'f32x4.replace_lane')).toBe(3);
    expect(count(extended, 'v128.load')).toBe(1);
    expect(count(extended, 'f32x4.replace_lane')).toBe(0);
    // proven in bounds (k < this.constants.K, thread ranges): no run-time bounds test
    expect(count(extended, '04')).toBe(0);
  });

  it('stock keeps the counter in f32 and converts it per index; the extension keeps it i32', () => {
    expect(count(stock, 'i32.trunc_sat_f32_s')).toBeGreaterThanOrEqual(2);
    expect(count(stock, 'f32.add')).toBe(1); // k++ as f32.add (the accumulator is f32x4.add)
    expect(count(extended, 'i32.trunc_sat_f32_s')).toBe(0);
    expect(count(extended, 'f32.add')).toBe(0);
  });

  it('a contiguous read that may leave its array keeps a run-time test and stock’s gather behind it', () => {
    const a = seeded(12, 3);
    const run = runPair(
      (gpu) =>
        gpu.createKernel(
          function (this: Kernel, a: number[]) {
            return a[this.thread.x - 1];
          },
          { output: [12] },
        ),
      [a],
    );
    const counts = simdKernelCounts(run.extendedBytes);
    expect(count(counts, 'v128.load')).toBe(1);
    expect(count(counts, '04')).toBe(1); // if (lane 0's index in [0, length − 4])
    expect(count(counts, 'f32x4.replace_lane')).toBe(3); // else: stock's gather
    expect(Array.from(run.extended)).toEqual(Array.from(run.stock));
  });

  it('bounds proofs follow each loop binding: two loops reusing a name are both proven, a counter written in its body is not', () => {
    const a = seeded(6 * 8, 5);
    const run = runPair(
      (gpu) =>
        gpu.createKernel(
          function (this: Kernel, a: number[][]) {
            let sum = 0;
            for (let k = 0; k < 6; k++) sum += a[k][this.thread.x];
            for (let k = 1; k < 6; k++) sum -= a[k][this.thread.x] * 0.5;
            for (let j = 0; j < 5; j++) {
              sum += a[j][this.thread.x];
              j += 1;
            }
            return sum;
          },
          { output: [8] },
        ),
      [Array.from({ length: 6 }, (_, row) => a.slice(row * 8, row * 8 + 8))],
    );
    const counts = simdKernelCounts(run.extendedBytes);
    expect(count(counts, 'v128.load')).toBe(3);
    expect(count(counts, '04')).toBe(1); // only the j loop's read is tested at run time
    expect(Array.from(run.extended)).toEqual(Array.from(run.stock));
  });

  it('strided and column reads are left to stock’s gather', () => {
    const a = seeded(32, 4);
    const run = runPair(
      (gpu) =>
        gpu.createKernel(
          function (this: Kernel, a: number[], b: number[][]) {
            return a[this.thread.x * 2] + b[this.thread.x][1];
          },
          { output: [8] },
        ),
      [a, Array.from({ length: 8 }, (_, i) => seeded(4, 10 + i))],
    );
    const stockCounts = simdKernelCounts(run.stockBytes);
    const extendedCounts = simdKernelCounts(run.extendedBytes);
    expect(count(extendedCounts, 'v128.load')).toBe(0);
    expect(count(extendedCounts, 'f32x4.replace_lane')).toBe(count(stockCounts, 'f32x4.replace_lane'));
    expect(Array.from(run.extended)).toEqual(Array.from(run.stock));
  });

  it('constant terms of a contiguous index ride in the load offset: four reads, one address', () => {
    const K = 8;
    const G = 2;
    const run = runPair(
      (gpu) =>
        gpu.createKernel(
          function (this: Kernel, x: number[]) {
            let s0 = 0;
            let s1 = 0;
            for (let k = 0; k < 8; k++) {
              s0 += x[k] * this.constants.w[this.thread.y][k][this.thread.x];
              s1 += x[k] * this.constants.w[this.thread.y][k][this.thread.x + 4];
            }
            return s0 + s1;
          },
          {
            output: [4, G],
            constants: { w: new gpujs.Input(seeded(8 * K * G, 21) as unknown as number[], [8, K, G]) },
          },
        ),
      [seeded(K, 22)],
    );
    const offsets = simdLoadOffsets(run.extendedBytes);
    expect(offsets).toHaveLength(2);
    expect(offsets[1] - offsets[0]).toBe(16); // thread.x + 4: four floats further
    // one index computation (x + 8·(k + K·y)) per read, no extra addition for the + 4
    const counts = simdKernelCounts(run.extendedBytes);
    expect(count(counts, 'i32.mul')).toBeLessThanOrEqual(4);
    expect(Array.from(run.extended)).toEqual(Array.from(run.stock));
  });

  it('the root kernel reads thread ids from locals set once at entry, not from globals in its loops', () => {
    const stockCounts = simdKernelCounts(matvec.stockBytes);
    const extendedCounts = simdKernelCounts(matvec.extendedBytes);
    expect(count(stockCounts, 'global.get in a loop')).toBe(2); // thread.y and thread.x per weight read
    expect(count(extendedCounts, 'global.get in a loop')).toBe(0);
    expect(Array.from(matvec.extended)).toEqual(Array.from(matvec.stock));
  });

  it('integer locals stay i32: no float math or conversion behind an index built from them', () => {
    const run = runPair(
      (gpu) =>
        gpu.createKernel(
          function (this: Kernel, a: number[]) {
            const row = this.thread.y * 8;
            let s = 0;
            for (let k = 0; k < 8; k++) {
              const at = row + k;
              s += a[at];
            }
            return s + this.thread.x;
          },
          { output: [4, 3] },
        ),
      [seeded(24, 31)],
    );
    const stockCounts = simdKernelCounts(run.stockBytes);
    const extendedCounts = simdKernelCounts(run.extendedBytes);
    expect(count(stockCounts, 'i32.trunc_sat_f32_s')).toBeGreaterThan(0);
    expect(count(extendedCounts, 'i32.trunc_sat_f32_s')).toBe(0);
    expect(Array.from(run.extended)).toEqual(Array.from(run.stock));
  });

  it('a read moving by a constant step per iteration goes through a pointer the loop advances', () => {
    const run = runPair(
      (gpu) =>
        gpu.createKernel(
          function (this: Kernel, x: number[][]) {
            let s0 = 0;
            let s1 = 0;
            for (let k = 0; k < 16; k++) {
              const wk = this.constants.w[this.thread.y][k][this.thread.x];
              s0 += x[0][k] * wk;
              s1 += x[1][k] * wk;
            }
            return s0 + s1;
          },
          {
            output: [4, 2],
            constants: { w: new gpujs.Input(seeded(4 * 16 * 2, 41) as unknown as number[], [4, 16, 2]) },
          },
        ),
      [rows2d(seeded(32, 42), 2, 16)],
    );
    const stockCounts = simdKernelCounts(run.stockBytes);
    const extendedCounts = simdKernelCounts(run.extendedBytes);
    // stock: every read's index is computed and shifted to bytes inside the loop
    expect(count(stockCounts, 'loop:i32.shl')).toBeGreaterThanOrEqual(3);
    // extended: pointers set before the loop (the two x rows share one), advanced by one add each per
    // iteration; no index arithmetic is left in the loop for the reads
    expect(count(extendedCounts, 'loop:i32.shl')).toBe(0);
    expect(count(extendedCounts, 'loop:i32.mul')).toBe(0);
    expect(Array.from(run.extended)).toEqual(Array.from(run.stock));
  });
});
