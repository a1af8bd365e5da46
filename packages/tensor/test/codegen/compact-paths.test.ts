// Every load path of compact storage: the f16 widening checked over all 65,536 half bit patterns on
// the vector, gather and scalar paths against dtype.ts's plain-JS decoder; int8 gathers, masked reads
// and run-time-bounded contiguous reads against stock gpu.js; and the instructions really emitted.
import * as gpujs from 'gpu.js';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decodeHalfArray,
  HalfArray,
  installWebasmCodegen,
  uninstallWebasmCodegen,
} from '../../src/codegen/index.js';
import { fromHalfBits } from '../../src/dtype.js';
import { constantMatvec, input, probe, resultOf, seededInt8 } from './compact-helpers.js';
import { bitsEqual, seeded } from './harness.js';
import { simdKernelCounts } from './wasm-walk.js';

afterAll(() => {
  uninstallWebasmCodegen(gpujs);
});

type Kernel = gpujs.IKernelFunctionThis;

/** f32 bits of the exact value of each half: sign, then Inf/NaN (payload widened) or the value. */
function expectedBits(h: number): number {
  const exponent = (h >>> 10) & 0x1f;
  if (exponent === 0x1f) return (((h & 0x8000) << 16) | 0x7f800000 | ((h & 0x3ff) << 13)) >>> 0;
  const value = new Float32Array([fromHalfBits(h)]);
  if (h === 0x8000) value[0] = -0;
  return new Uint32Array(value.buffer)[0];
}

const ALL_HALVES = HalfArray.from({ length: 65536 }, (_, h) => h);
const EXPECTED = Uint32Array.from({ length: 65536 }, (_, h) => expectedBits(h));

function expectAllHalves(out: Float32Array, order: (cell: number) => number, cells = 65536): void {
  expect(out.length).toBe(cells);
  const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  const wrong: string[] = [];
  for (let cell = 0; cell < cells; cell++) {
    const h = order(cell);
    if (bits[cell] !== EXPECTED[h] && wrong.length < 5) {
      wrong.push(
        `0x${h.toString(16)} → 0x${bits[cell].toString(16)}, expected 0x${EXPECTED[h].toString(16)}`,
      );
    }
  }
  expect(wrong).toEqual([]);
}

async function runExtended(
  source: (this: Kernel, h: number[][]) => number,
  output: number[],
  value: gpujs.Input,
): Promise<gpujs.IKernelRunShortcut & { out: Float32Array }> {
  installWebasmCodegen(gpujs);
  const gpu = new gpujs.GPU({ mode: 'webasm' });
  const kernel = gpu.createKernel(source, { output });
  const out = await resultOf(kernel(value));
  return Object.assign(kernel, { out });
}

describe('f16 widening over all 65,536 bit patterns (±0, subnormals, normals, ±Inf, NaN payloads)', () => {
  const grid = input(ALL_HALVES, [256, 256]);

  it('vector path (lane-contiguous reads): exact, and bit-identical to stock reading the decoded floats', async () => {
    const source = function (this: Kernel, h: number[][]) {
      return h[this.thread.y][this.thread.x];
    };
    const run = await runExtended(source, [256, 256], grid);
    expectAllHalves(run.out, (cell) => cell);
    expect(simdKernelCounts([...probe(run)._moduleCache.values()][0].bytes).get('fd03')).toBe(1);
    uninstallWebasmCodegen(gpujs);
    const stockGpu = new gpujs.GPU({ mode: 'webasm' });
    const floats = input(decodeHalfArray(ALL_HALVES), [256, 256]);
    const stock = await resultOf(stockGpu.createKernel(source, { output: [256, 256] })(floats));
    expect(bitsEqual(run.out, stock)).toBe(true);
    stockGpu.destroy();
  });

  it('gather path (reversed x) and a masked branch', async () => {
    const reversed = await runExtended(
      function (this: Kernel, h: number[][]) {
        return h[this.thread.y][255 - this.thread.x];
      },
      [256, 256],
      grid,
    );
    expectAllHalves(reversed.out, (cell) => (cell & ~255) | (255 - (cell & 255)));
    const masked = await runExtended(
      function (this: Kernel, h: number[][]) {
        let v = 0;
        if (this.thread.x % 2 === 0) {
          v = h[this.thread.y][this.thread.x];
        } else {
          v = h[this.thread.y][this.thread.x];
        }
        return v;
      },
      [256, 256],
      grid,
    );
    expectAllHalves(masked.out, (cell) => cell);
  });

  it('scalar path (one cell per row, no SIMD quads)', async () => {
    const run = await runExtended(
      function (this: Kernel, h: number[][]) {
        return h[this.thread.y][this.thread.x];
      },
      [1, 65536],
      input(ALL_HALVES, [1, 65536]),
    );
    expect(probe(run)._lastRunPath).toBe('scalar');
    expectAllHalves(run.out, (cell) => cell);
  });
});

describe('f16 kernel constants: checked once for Inf/NaN as they are laid out', () => {
  async function constantGrid(bits: HalfArray, rows: number): Promise<{ out: Float32Array; abs: number }> {
    installWebasmCodegen(gpujs);
    const gpu = new gpujs.GPU({ mode: 'webasm' });
    const kernel = gpu.createKernel(
      function (this: gpujs.IKernelFunctionThis<{ h: number[][] }>) {
        return this.constants.h[this.thread.y][this.thread.x];
      },
      { output: [256, rows], constants: { h: input(bits, [256, rows]) } },
    );
    const out = await resultOf(kernel());
    const abs = simdKernelCounts([...probe(kernel)._moduleCache.values()][0].bytes).get('fde0') ?? 0;
    gpu.destroy();
    return { out, abs };
  }

  it('all finite: the shorter widening (no Inf/NaN step), still exact for all 63,488 finite halves', async () => {
    const finite = HalfArray.from(Array.from(ALL_HALVES).filter((h) => (h & 0x7c00) !== 0x7c00));
    expect(finite.length).toBe(63488);
    const { out, abs } = await constantGrid(finite, 248);
    expect(abs).toBe(0); // f32x4.abs belongs to the Inf/NaN step
    expectAllHalves(out, (cell) => finite[cell], 63488);
  });

  it('with Inf/NaN present: the full widening, exact for every pattern', async () => {
    const { out, abs } = await constantGrid(ALL_HALVES, 256);
    expect(abs).toBe(1);
    expectAllHalves(out, (cell) => cell);
  });
});

describe('int8 reads that are not the matvec fast path', () => {
  async function againstStock(source: string, output: number[], args: unknown[]): Promise<Float32Array> {
    uninstallWebasmCodegen(gpujs);
    const stockGpu = new gpujs.GPU({ mode: 'webasm' });
    const stock = await resultOf(stockGpu.createKernel(source, { output })(...(args as [])));
    stockGpu.destroy();
    installWebasmCodegen(gpujs);
    const gpu = new gpujs.GPU({ mode: 'webasm' });
    const out = await resultOf(gpu.createKernel(source, { output })(...(args as [])));
    gpu.destroy();
    expect(bitsEqual(out, stock)).toBe(true);
    return out;
  }

  it('a transposed (x-outer) read is gathered, bit-identical to stock', async () => {
    const K = 13;
    const N = 22;
    const q = seededInt8(N * K, 21); // [N][K]: q[n][k] = q[n·K + k]
    const x = seeded(K, 22);
    const out = await againstStock(
      `function (v, q) {
        let s = 0;
        for (let k = 0; k < ${K}; k++) s += v[k] * q[this.thread.x][k];
        return s;
      }`,
      [N],
      [x, input(q, [K, N])],
    );
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s = Math.fround(s + Math.fround(x[k] * q[n * K + k]));
      expect(out[n]).toBe(s);
    }
  });

  it('a contiguous read with a run-time offset, past the end on the last quad (clamped like stock)', async () => {
    const a = seededInt8(64, 23);
    const out = await againstStock('function (a, j) { return a[this.thread.x + j] * 0.5; }', [64], [a, 2]);
    for (let i = 0; i < 62; i++) expect(out[i]).toBe(a[i + 2] * 0.5);
    expect(out[62]).toBe(a[63] * 0.5);
  });

  it('reads under a divergent branch and a lane-uniform read of the same array', async () => {
    const a = seededInt8(48, 24);
    const out = await againstStock(
      `function (a) {
        let s = a[this.thread.y][0];
        if (this.thread.x % 3 === 0) {
          s += a[this.thread.y][this.thread.x];
        } else {
          s -= a[this.thread.y][11 - this.thread.x];
        }
        return s;
      }`,
      [12, 4],
      [input(a, [12, 4])],
    );
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 12; x++) {
        const s = a[y * 12] + (x % 3 === 0 ? a[y * 12 + x] : -a[y * 12 + 11 - x]);
        expect(out[y * 12 + x]).toBe(s);
      }
    }
  });
});

describe('emitted instructions', () => {
  it('the int8 matvec reads each quad with one v128.load8x8_s and widens it, no per-lane loads', async () => {
    installWebasmCodegen(gpujs);
    const gpu = new gpujs.GPU({ mode: 'webasm' });
    const kernel = constantMatvec(gpu, seededInt8(64 * 16, 25), 64, 16);
    kernel(seeded(64, 26));
    const counts = simdKernelCounts([...probe(kernel)._moduleCache.values()][0].bytes);
    expect(counts.get('fd01')).toBe(1); // v128.load8x8_s
    expect(counts.get('fda7')).toBe(1); // i32x4.extend_low_i16x8_s
    expect(counts.get('fdfa')).toBe(1); // f32x4.convert_i32x4_s
    expect(counts.get('2c') ?? 0).toBe(0); // i32.load8_s
    expect(counts.get('v128.load') ?? 0).toBe(0);
    expect(counts.get('f32x4.replace_lane') ?? 0).toBe(0);
    gpu.destroy();
  });

  it('an unrolled int8 matvec (k += 4, reads k..k+3, 4 accumulators) is proven in bounds: no run-time tests', async () => {
    const K = 64;
    const N = 16;
    const q = seededInt8(K * N, 27);
    const x = seeded(K, 28);
    installWebasmCodegen(gpujs);
    const gpu = new gpujs.GPU({ mode: 'webasm' });
    const kernel = gpu.createKernel(
      `function (v) {
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let k = 0; k < this.constants.K; k += 4) {
          s0 += v[k] * this.constants.w[this.thread.y][k][this.thread.x];
          s1 += v[k + 1] * this.constants.w[this.thread.y][k + 1][this.thread.x];
          s2 += v[k + 2] * this.constants.w[this.thread.y][k + 2][this.thread.x];
          s3 += v[k + 3] * this.constants.w[this.thread.y][k + 3][this.thread.x];
        }
        return (s0 + s1) + (s2 + s3);
      }`,
      { output: [4, N / 4], constants: { K, w: input(q, [4, K, N / 4]) } },
    );
    const out = await resultOf(kernel(x));
    const counts = simdKernelCounts([...probe(kernel)._moduleCache.values()][0].bytes);
    expect(counts.get('fd01')).toBe(4);
    expect(counts.get('04') ?? 0).toBe(0); // no `if`: every read proven in bounds
    for (let j = 0; j < N / 4; j++) {
      for (let lane = 0; lane < 4; lane++) {
        const sums = [0, 0, 0, 0];
        for (let k = 0; k < K; k++) {
          const w = q[(j * K + k) * 4 + lane];
          sums[k & 3] = Math.fround(sums[k & 3] + Math.fround(x[k] * w));
        }
        const f = Math.fround;
        expect(out[j * 4 + lane]).toBe(f(f(sums[0] + sums[1]) + f(sums[2] + sums[3])));
      }
    }
    gpu.destroy();
  });
});
