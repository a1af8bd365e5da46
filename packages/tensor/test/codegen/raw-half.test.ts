// RawHalfArray (src/codegen/half-array.ts): halves read without the exponent rebias, as their value × 2^-112
// (exactly `((h & 0x7fff) << 13) | (sign << 16)` as f32 bits), on the vector path (one multiply per four
// weights less than HalfArray) and the scalar one; bit-identical to stock gpu.js reading those f32 values.
import * as gpujs from 'gpu.js';
import { afterAll, describe, expect, it } from 'vitest';
import { rawHalfBits } from '../../src/codegen/half-array.js';
import {
  decodeHalfArray,
  HalfArray,
  installWebasmCodegen,
  RawHalfArray,
  uninstallWebasmCodegen,
} from '../../src/codegen/index.js';
import { fromHalfBits } from '../../src/dtype.js';
import { constantMatvec, matvecReference, resultOf, seededHalfBits } from './compact-helpers.js';
import { bitsEqual, seeded } from './harness.js';
import { simdKernelCounts } from './wasm-walk.js';

afterAll(() => {
  uninstallWebasmCodegen(gpujs);
});

const F32X4_MUL = 'fde6';
const V128_AND = 'fd4e';
const V128_CONST = 'fd0c';

/** The f32 values a kernel reads for raw halves. */
function rawValues(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  new Uint32Array(out.buffer).set(Array.from(bits, rawHalfBits));
  return out;
}

function moduleBytes(shortcut: gpujs.IKernelRunShortcut): Uint8Array {
  const kernel = (shortcut as unknown as { kernel: { _moduleCache: Map<string, { bytes: Uint8Array }> } })
    .kernel;
  return [...kernel._moduleCache.values()][0]!.bytes;
}

describe('RawHalfArray', () => {
  it('reads a finite half as its value × 2^-112', () => {
    for (const h of [0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x0400, 0x3555]) {
      expect(rawValues(Uint16Array.of(h))[0]).toBe(fromHalfBits(h) * 2 ** -112);
    }
    expect(decodeHalfArray(RawHalfArray.of(0x3c00, 0xc000))).toEqual(
      Float32Array.of(2 ** -112, -(2 ** -111)),
    );
  });

  it('as a matvec constant: stock bits on the raw values, one multiply less per weight than HalfArray', async () => {
    const K = 45;
    const N = 20;
    const bits = seededHalfBits(K * N, 21);
    const x = seeded(K, 22).map((v) => v * 2 ** 100); // raw weights are tiny: keep products normal
    const raw = rawValues(bits);
    uninstallWebasmCodegen(gpujs);
    const stockGpu = new gpujs.GPU({ mode: 'webasm' });
    const stock = await resultOf(constantMatvec(stockGpu, raw, K, N)(x));
    stockGpu.destroy();
    installWebasmCodegen(gpujs);
    const gpu = new gpujs.GPU({ mode: 'webasm' });
    const rawKernel = constantMatvec(gpu, RawHalfArray.fromBits(bits), K, N);
    const halfKernel = constantMatvec(gpu, HalfArray.fromBits(bits), K, N);
    const extended = await resultOf(rawKernel(x));
    await resultOf(halfKernel(x));
    expect(bitsEqual(extended, stock)).toBe(true);
    expect(bitsEqual(extended, matvecReference(x, raw, K, N))).toBe(true);
    const rawMuls = simdKernelCounts(moduleBytes(rawKernel)).get(`loop:${F32X4_MUL}`);
    const halfMuls = simdKernelCounts(moduleBytes(halfKernel)).get(`loop:${F32X4_MUL}`);
    expect(rawMuls).toBe(1); // the product only
    expect(halfMuls).toBe(2); // the product and the rebias
    // the field mask comes from a local set at kernel_simd's entry (entry-constants.ts), not a v128.const
    // in the loop, which V8 13.6 would rematerialise at every use
    for (const kernel of [rawKernel, halfKernel]) {
      const counts = simdKernelCounts(moduleBytes(kernel));
      expect(counts.get(`loop:${V128_AND}`)).toBe(1);
      expect(counts.get(`loop:${V128_CONST}`) ?? 0).toBe(kernel === rawKernel ? 0 : 1); // HalfArray: × 2^112
    }
    gpu.destroy();
  });

  it('scalar tail cells read the same values as the vector lanes, and HalfArray arguments get their own module', async () => {
    const bits = Uint16Array.of(0x3c00, 0xc000, 0x0001, 0x8000, 0x7bff, 0x83ff);
    installWebasmCodegen(gpujs);
    const gpu = new gpujs.GPU({ mode: 'webasm' });
    const kernel = gpu.createKernel(
      function (a: number[]) {
        return a[this.thread.x] * 2 ** 112;
      },
      { output: [6] }, // lanes 0–3 in SIMD, 4–5 in the scalar tail
    );
    const fromRaw = await resultOf(kernel(RawHalfArray.fromBits(bits)));
    expect(Array.from(fromRaw)).toEqual(Array.from(bits, (h) => fromHalfBits(h)));
    const fromHalf = await resultOf(kernel(HalfArray.fromBits(bits)));
    expect(Array.from(fromHalf)).toEqual(Array.from(bits, (h) => fromHalfBits(h) * 2 ** 112));
    gpu.destroy();
  });
});
