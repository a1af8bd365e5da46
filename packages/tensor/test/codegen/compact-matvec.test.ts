// Compact int8 / f16 weights in the matvec kernels the tensor package uses (repacked [N/4][K][4],
// output [4, N/4], `w[this.thread.y][k][this.thread.x]`): as constants and as arguments, odd sizes,
// asyncMode threads. Every result must be bit-identical to stock gpu.js reading the same numbers (the
// Int8Array itself, or the halves decoded to a Float32Array), and equal to a plain-JS f32 reference.
import * as gpujs from 'gpu.js';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decodeHalfArray,
  HalfArray,
  installWebasmCodegen,
  uninstallWebasmCodegen,
} from '../../src/codegen/index.js';
import {
  argumentMatvec,
  constantMatvec,
  halfValues,
  input,
  matvecReference,
  probe,
  resultOf,
  scalesInput,
  seededHalfBits,
  seededInt8,
} from './compact-helpers.js';
import { bitsEqual, seeded } from './harness.js';

afterAll(() => {
  uninstallWebasmCodegen(gpujs);
});

type Build = (gpu: gpujs.GPU, extended: boolean) => gpujs.IKernelRunShortcut;

interface Pair {
  stock: Float32Array;
  extended: Float32Array;
  kernel: gpujs.IKernelRunShortcut;
}

/** Runs `build`'s kernel on stock gpu.js and with the extension, on the same arguments. */
async function pair(build: Build, args: unknown[]): Promise<Pair> {
  uninstallWebasmCodegen(gpujs);
  const stockGpu = new gpujs.GPU({ mode: 'webasm' });
  const stock = await resultOf(build(stockGpu, false)(...(args as [])));
  expect(installWebasmCodegen(gpujs).compactStorage).toEqual({ int8: true, f16: true });
  const gpu = new gpujs.GPU({ mode: 'webasm' });
  const kernel = build(gpu, true);
  const extended = await resultOf(kernel(...(args as [])));
  stockGpu.destroy();
  return { stock, extended, kernel };
}

function expectIdentical(run: Pair, reference: Float32Array): void {
  expect(run.extended.length).toBe(reference.length);
  expect(bitsEqual(run.extended, run.stock)).toBe(true);
  expect(bitsEqual(run.extended, reference)).toBe(true);
}

describe('int8 weights (Int8Array, 1 byte per element in wasm memory)', () => {
  it('as a constant with per-column scales: Σ_k x[k]·q[k][n], then × scale[n]', async () => {
    const K = 37;
    const N = 28; // 7 rows of 4: odd both ways
    const q = seededInt8(K * N, 1);
    const scales = seeded(N, 2).map((s) => Math.abs(s) / 127 + 1e-3);
    const x = seeded(K, 3);
    const run = await pair((gpu) => constantMatvec(gpu, q, K, N, { scales }), [x]);
    expectIdentical(run, matvecReference(x, q, K, N, scales));
    const kernel = probe(run.kernel);
    expect(kernel._lastRunPath).toBe('simd');
    expect(kernel._active.layout.constantArrays.w.flatLength * 4).toBe(Math.ceil((K * N) / 4) * 4);
  });

  it('matches stock reading the equivalent Float32Array, bit for bit', async () => {
    const K = 64;
    const N = 16;
    const q = seededInt8(K * N, 4);
    const x = seeded(K, 5);
    const viaFloats = await pair(
      (gpu, extended) => constantMatvec(gpu, extended ? q : Float32Array.from(q), K, N),
      [x],
    );
    expectIdentical(viaFloats, matvecReference(x, q, K, N));
  });

  it('as an argument, called again with new weights of the same shape', async () => {
    const K = 19;
    const N = 12;
    const x = seeded(K, 6);
    const scales = seeded(N, 7).map((s) => Math.abs(s) + 0.01);
    const dims = [4, K, N / 4];
    const first = seededInt8(K * N, 8);
    const run = await pair((gpu) => argumentMatvec(gpu, K, N), [x, input(first, dims), scalesInput(scales)]);
    expectIdentical(run, matvecReference(x, first, K, N, scales));
    const second = seededInt8(K * N, 9);
    const again = await resultOf(run.kernel(x, input(second, dims), scalesInput(scales)));
    expect(bitsEqual(again, matvecReference(x, second, K, N, scales))).toBe(true);
    expect(probe(run.kernel)._active.layout.arrays.w.flatLength).toBe(Math.ceil((K * N) / 4));
  });

  it('the same kernel takes an Int8Array and then a Float32Array of one shape (separate modules)', async () => {
    const K = 8;
    const N = 8;
    const x = seeded(K, 10);
    const scales = scalesInput(new Float32Array(N).fill(1));
    const q = seededInt8(K * N, 11);
    const dims = [4, K, N / 4];
    installWebasmCodegen(gpujs);
    const gpu = new gpujs.GPU({ mode: 'webasm' });
    const kernel = argumentMatvec(gpu, K, N);
    const fromBytes = await resultOf(kernel(x, input(q, dims), scales));
    const floats = seeded(K * N, 12);
    const fromFloats = await resultOf(kernel(x, input(floats, dims), scales));
    const fromBytesAgain = await resultOf(kernel(x, input(q, dims), scales));
    expect(bitsEqual(fromBytes, matvecReference(x, q, K, N))).toBe(true);
    expect(bitsEqual(fromFloats, matvecReference(x, floats, K, N))).toBe(true);
    expect(bitsEqual(fromBytesAgain, fromBytes)).toBe(true);
    expect(probe(kernel)._moduleCache.size).toBe(2);
    gpu.destroy();
  });

  it('threaded (asyncMode, 16384 output cells) as a constant and as an argument, overlapping calls', async () => {
    const K = 24;
    const N = 16384;
    const q = seededInt8(K * N, 13);
    const scales = seeded(N, 14).map((s) => Math.abs(s) / 127 + 1e-3);
    const x = seeded(K, 15);
    const reference = matvecReference(x, q, K, N, scales);
    const constant = await pair((gpu) => constantMatvec(gpu, q, K, N, { scales, asyncMode: true }), [x]);
    expectIdentical(constant, reference);
    expect(probe(constant.kernel)._lastRunPath).toBe('threaded');
    const weightInput = input(q, [4, K, N / 4]);
    const argument = await pair(
      (gpu) => argumentMatvec(gpu, K, N, true),
      [x, weightInput, scalesInput(scales)],
    );
    expectIdentical(argument, reference);
    // two calls in flight: the second one's arguments go through gpu.js's staging copies
    const q2 = seededInt8(K * N, 16);
    const [a, b] = await Promise.all([
      resultOf(argument.kernel(x, weightInput, scalesInput(scales))),
      resultOf(argument.kernel(x, input(q2, [4, K, N / 4]), scalesInput(scales))),
    ]);
    expect(bitsEqual(a, reference)).toBe(true);
    expect(bitsEqual(b, matvecReference(x, q2, K, N, scales))).toBe(true);
  });
});

describe('f16 weights (HalfArray, 2 bytes per element in wasm memory)', () => {
  it('as a constant: equals stock reading the decoded halves, and the reference', async () => {
    const K = 45;
    const N = 20;
    const bits = seededHalfBits(K * N, 17);
    const x = seeded(K, 18);
    const run = await pair(
      (gpu, extended) =>
        constantMatvec(gpu, extended ? HalfArray.fromBits(bits) : decodeHalfArray(bits), K, N),
      [x],
    );
    expectIdentical(run, matvecReference(x, halfValues(bits), K, N));
    expect(probe(run.kernel)._active.layout.constantArrays.w.flatLength).toBe(Math.ceil((K * N) / 2));
  });

  it('as an argument, and threaded', async () => {
    const K = 16;
    const N = 16384;
    const bits = seededHalfBits(K * N, 19);
    const x = seeded(K, 20);
    const ones = new Float32Array(N).fill(1);
    const scales = scalesInput(ones);
    const dims = [4, K, N / 4];
    const reference = matvecReference(x, halfValues(bits), K, N, ones);
    for (const asyncMode of [false, true]) {
      const run = await pair(
        (gpu) => argumentMatvec(gpu, K, N, asyncMode),
        [x, input(HalfArray.fromBits(bits), dims), scales],
      );
      // stock reads a HalfArray's bit patterns as integers: hold it to the decoded floats instead
      uninstallWebasmCodegen(gpujs);
      const stockGpu = new gpujs.GPU({ mode: 'webasm' });
      const stock = await resultOf(
        argumentMatvec(stockGpu, K, N, asyncMode)(x, input(decodeHalfArray(bits), dims), scales),
      );
      stockGpu.destroy();
      expect(bitsEqual(run.extended, stock)).toBe(true);
      expect(bitsEqual(run.extended, reference)).toBe(true);
      expect(probe(run.kernel)._lastRunPath).toBe(asyncMode ? 'threaded' : 'simd');
    }
  });

  it('a HalfArray shorter than 4 elements stays in f32 slots, decoded on the way in', async () => {
    const bits = HalfArray.of(0x3c00, 0xc000, 0x0001); // 1, -2, 2^-24
    installWebasmCodegen(gpujs);
    const gpu = new gpujs.GPU({ mode: 'webasm' });
    const kernel = gpu.createKernel(
      function (a: number[]) {
        return a[this.thread.x] * 2;
      },
      { output: [3] },
    );
    const out = await resultOf(kernel(bits));
    expect(Array.from(out)).toEqual([2, -4, 2 ** -23]);
    gpu.destroy();
  });
});
