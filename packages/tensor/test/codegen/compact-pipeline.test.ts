// Compact storage through gpu.js's fused pipeline executor (weights as literals captured at trace time,
// as kernel constants of a step, as pipeline arguments whose storage changes between calls, threaded),
// and the memory proof: a 768×3072 weight takes 1/4 (int8) and 1/2 (f16) of the f32 bytes in wasm
// memory.
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

interface PipelineProbe {
  executorKind: string;
  fallbackReason: string | null;
}

type Pipeline = ((...args: unknown[]) => Promise<unknown>) & PipelineProbe;

function createPipeline(gpu: gpujs.GPU, fn: (...args: never[]) => unknown, settings: object = {}): Pipeline {
  return (gpu as unknown as { createPipeline(f: unknown, s: object): Pipeline }).createPipeline(fn, settings);
}

describe('fused pipelines (webasm executor)', () => {
  it('int8 weight and scales captured as literals: uploaded once, fused-sync, exact', async () => {
    const K = 33;
    const N = 20;
    const q = seededInt8(K * N, 31);
    const scales = seeded(N, 32).map((s) => Math.abs(s) / 127 + 1e-3);
    const reference = (x: Float32Array) => matvecReference(x, q, K, N, scales);
    installWebasmCodegen(gpujs);
    const gpu = new gpujs.GPU({ mode: 'webasm' });
    const matvec = argumentMatvec(gpu, K, N);
    const w = input(q, [4, K, N / 4]);
    const s = scalesInput(scales);
    const pipeline = createPipeline(
      gpu,
      (v: never) => (matvec as unknown as (...a: unknown[]) => unknown)(v, w, s),
      {
        threads: false,
      },
    );
    for (const seed of [33, 34]) {
      const x = seeded(K, seed);
      expect(bitsEqual(await resultOf(pipeline(x)), reference(x))).toBe(true);
    }
    expect(pipeline.executorKind).toBe('fused-sync');
    expect(pipeline.fallbackReason).toBeNull();
    gpu.destroy();
  });

  it('f16 and int8 weights as kernel constants of two steps', async () => {
    const K = 16;
    const N = 16;
    const bits = seededHalfBits(K * N, 35);
    const q = seededInt8(K * N, 36);
    const x = seeded(K, 37);
    installWebasmCodegen(gpujs);
    const gpu = new gpujs.GPU({ mode: 'webasm' });
    const half = constantMatvec(gpu, HalfArray.fromBits(bits), K, N);
    const int8 = constantMatvec(gpu, q, K, N);
    const pipeline = createPipeline(gpu, (v: never) => [
      (half as unknown as (a: unknown) => unknown)(v),
      (int8 as unknown as (a: unknown) => unknown)(v),
    ]);
    const [a, b] = (await pipeline(x)) as unknown[];
    expect(pipeline.executorKind).toBe('fused-sync');
    expect(bitsEqual(await resultOf(a), matvecReference(x, halfValues(bits), K, N))).toBe(true);
    expect(bitsEqual(await resultOf(b), matvecReference(x, q, K, N))).toBe(true);
    gpu.destroy();
  });

  it('a weight argument whose storage changes between calls (int8 → f32 → f16) recompiles and stays exact', async () => {
    const K = 12;
    const N = 8;
    const x = seeded(K, 38);
    const ones = new Float32Array(N).fill(1);
    const dims = [4, K, N / 4];
    installWebasmCodegen(gpujs);
    const gpu = new gpujs.GPU({ mode: 'webasm' });
    const matvec = argumentMatvec(gpu, K, N) as unknown as (...a: unknown[]) => unknown;
    const pipeline = createPipeline(gpu, (v: never, w: never, s: never) => matvec(v, w, s), {
      threads: false,
    });
    const q = seededInt8(K * N, 39);
    const floats = seeded(K * N, 40);
    const bits = seededHalfBits(K * N, 41);
    const cases: [ArrayLike<number>, ArrayLike<number>][] = [
      [q, q],
      [floats, floats],
      [HalfArray.fromBits(bits), halfValues(bits)],
      [q, q],
    ];
    for (const [weight, values] of cases) {
      const out = await resultOf(pipeline(x, input(weight, dims), scalesInput(ones)));
      expect(bitsEqual(out, matvecReference(x, values, K, N))).toBe(true);
      expect(pipeline.executorKind).toBe('fused-sync');
    }
    gpu.destroy();
  });

  it('threaded (fused-threaded, 16384 outputs), int8 literal weight: same bits as stock with the Int8Array', async () => {
    const K = 8;
    const N = 16384;
    const q = seededInt8(K * N, 42);
    const scales = seeded(N, 43).map((s) => Math.abs(s) / 127 + 1e-3);
    const x = seeded(K, 44);
    const run = async (extended: boolean): Promise<{ out: Float32Array; kind: string }> => {
      if (extended) installWebasmCodegen(gpujs);
      else uninstallWebasmCodegen(gpujs);
      const gpu = new gpujs.GPU({ mode: 'webasm' });
      const matvec = argumentMatvec(gpu, K, N) as unknown as (...a: unknown[]) => unknown;
      const w = input(q, [4, K, N / 4]);
      const s = scalesInput(scales);
      const pipeline = createPipeline(gpu, (v: never) => matvec(v, w, s));
      const out = await resultOf(pipeline(x));
      const kind = pipeline.executorKind;
      gpu.destroy();
      return { out, kind };
    };
    const stock = await run(false);
    const extended = await run(true);
    expect(extended.kind).toBe(stock.kind);
    expect(['fused-threaded', 'fused-sync']).toContain(extended.kind);
    expect(bitsEqual(extended.out, stock.out)).toBe(true);
    expect(bitsEqual(extended.out, matvecReference(x, q, K, N, scales))).toBe(true);
  });
});

describe('memory: a 768×3072 weight constant in wasm memory', () => {
  const K = 768;
  const N = 3072;
  const x = seeded(K, 45);
  const q = seededInt8(K * N, 46);
  const bits = seededHalfBits(K * N, 47);
  const slack = 16 * 65536; // gpu.js sizes memory as ceil(bytes / 64 KiB) + 16 pages

  function measure(
    extended: boolean,
    weight: ArrayLike<number>,
  ): { region: number; memory: number; out: Float32Array } {
    if (extended) installWebasmCodegen(gpujs);
    else uninstallWebasmCodegen(gpujs);
    const gpu = new gpujs.GPU({ mode: 'webasm' });
    const kernel = constantMatvec(gpu, weight, K, N);
    const out = kernel(x) as unknown as Float32Array[];
    const active = probe(kernel)._active;
    const result = {
      region: active.layout.constantArrays.w.flatLength * 4,
      memory: active.memory.buffer.byteLength - slack,
      out: Float32Array.from(out.flatMap((row) => Array.from(row))),
    };
    gpu.destroy();
    return result;
  }

  it('int8 takes 1/4 and f16 1/2 of the f32 bytes; stock gives an Int8Array 4 bytes per element', () => {
    const f32 = measure(true, Float32Array.from(q));
    const int8 = measure(true, q);
    const half = measure(true, HalfArray.fromBits(bits));
    const stockInt8 = measure(false, q);
    expect(f32.region).toBe(K * N * 4);
    expect(int8.region).toBe(K * N);
    expect(half.region).toBe(K * N * 2);
    expect(stockInt8.region).toBe(K * N * 4);
    expect(int8.memory / f32.memory).toBeGreaterThan(0.25);
    expect(int8.memory / f32.memory).toBeLessThan(0.26);
    expect(half.memory / f32.memory).toBeGreaterThan(0.5);
    expect(half.memory / f32.memory).toBeLessThan(0.51);
    expect(stockInt8.memory).toBe(f32.memory);
    // same numbers all along: int8 compact, int8 stock and the f32 copy agree bit for bit
    expect(bitsEqual(int8.out, f32.out)).toBe(true);
    expect(bitsEqual(int8.out, stockInt8.out)).toBe(true);
    expect(bitsEqual(half.out, matvecReference(x, decodeHalfArray(bits), K, N))).toBe(true);
  });
});
