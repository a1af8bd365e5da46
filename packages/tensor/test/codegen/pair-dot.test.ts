// The integer pair dot product (src/codegen/pair-dot.ts): `x[j][0] * w[..][j][2·thread.x + L] + x[j][1] *
// w[..][j][2·thread.x + L + 1]` over an Int16Array activation and an Int8Array weight becomes
// v128.load8x8_s + v128.load32_splat + i32x4.dot_i16x8_s + f32x4.convert_i32x4_s. Results must be bit-identical
// to stock gpu.js and equal to an exact integer reference; near misses of the pattern must keep stock's code.
import * as gpujs from 'gpu.js';
import { afterAll, describe, expect, it } from 'vitest';
import { uninstallWebasmCodegen } from '../../src/codegen/index.js';
import {
  kPairs,
  matvecSource,
  PREFILL_BLOCKS,
  PREFILL_ROWS,
  rowsSource,
} from '../../src/ops/linear-webasm.js';
import { seededInt8 } from './compact-helpers.js';
import { bitsEqual, runPair } from './harness.js';
import { joinedConstants, streamConstants } from './linear-streams.js';
import { simdKernelCounts } from './wasm-walk.js';

afterAll(() => {
  uninstallWebasmCodegen(gpujs);
});

type Kernel = gpujs.IKernelFunctionThis<{ K2: number; w: number[][][] }>;

const DOT = 'fdba'; // i32x4.dot_i16x8_s
const LOAD8X8_S = 'fd01';

/** Deterministic int16 values over the whole range, extremes included. */
function seededInt16(length: number, seed: number): Int16Array {
  let state = seed >>> 0 || 1;
  const out = new Int16Array(length);
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = i % 23 === 7 ? -32768 : i % 31 === 4 ? 32767 : (state >>> 16) - 32768;
  }
  return out;
}

/**
 * Weights of N = 16G features over K = 2·K2 inputs in the pair layout: w[(g·K2 + j)·32 + 2q + p] for
 * feature 16g + q and input 2j + p. Cell (x, g) component c reads q = 4c + x.
 */
function reference(
  x: Int16Array,
  w: Int8Array,
  K2: number,
  G: number,
  components: number,
  pairsPerStep = 1,
): Float32Array {
  const out = new Float32Array(G * 4 * components);
  for (let g = 0; g < G; g++) {
    for (let lane = 0; lane < 4; lane++) {
      for (let c = 0; c < components; c++) {
        const q = 4 * c + lane;
        let sum = 0;
        for (let j = 0; j < K2; j += pairsPerStep) {
          // the sum of a step's pairs is exact; the running sum rounds to f32 like the kernel's accumulator
          let step = 0;
          for (let p = j; p < j + pairsPerStep; p++) {
            const at = (g * K2 + p) * 32 + 2 * q;
            step += x[2 * p] * w[at] + x[2 * p + 1] * w[at + 1];
          }
          sum = Math.fround(sum + step);
        }
        out[(g * 4 + lane) * components + c] = sum;
      }
    }
  }
  return out;
}

function pairKernel(gpu: gpujs.GPU, K2: number, G: number, w: Int8Array, source: string, components: number) {
  return gpu.createKernel(
    source as unknown as (this: Kernel, x: number[][]) => number,
    {
      output: [4, G],
      returnType: components === 1 ? 'Number' : `Array(${components})`,
      constants: { K2, w: new gpujs.Input(w as unknown as number[], [32, K2, G]) },
    } as gpujs.IGPUKernelSettings,
  );
}

const oneComponent = `function (x) {
  let s = 0;
  for (let j = 0; j < this.constants.K2; j++) {
    s += x[j][0] * this.constants.w[this.thread.y][j][this.thread.x * 2] + x[j][1] * this.constants.w[this.thread.y][j][this.thread.x * 2 + 1];
  }
  return s;
}`;

/** The shape of the int8 decode kernel: four components per cell at lane offsets 8c, operands swapped in one. */
const fourComponents = `function (x) {
  let s0 = 0; let s1 = 0; let s2 = 0; let s3 = 0;
  for (let j = 0; j < this.constants.K2; j++) {
    s0 += x[j][0] * this.constants.w[this.thread.y][j][this.thread.x * 2] + x[j][1] * this.constants.w[this.thread.y][j][this.thread.x * 2 + 1];
    s1 += this.constants.w[this.thread.y][j][this.thread.x * 2 + 8] * x[j][0] + x[j][1] * this.constants.w[this.thread.y][j][this.thread.x * 2 + 9];
    s2 += x[j][1] * this.constants.w[this.thread.y][j][2 * this.thread.x + 17] + x[j][0] * this.constants.w[this.thread.y][j][2 * this.thread.x + 16];
    s3 += x[j][0] * this.constants.w[this.thread.y][j][this.thread.x * 2 + 24] + x[j][1] * this.constants.w[this.thread.y][j][this.thread.x * 2 + 25];
  }
  return [s0, s1, s2, s3];
}`;

function run(source: string, K2: number, G: number, components: number, seed = 1) {
  const w = seededInt8(G * K2 * 32, seed);
  const x = seededInt16(2 * K2, seed + 1);
  const pair = runPair(
    (gpu) => pairKernel(gpu, K2, G, w, source, components),
    [new gpujs.Input(x as unknown as number[], [2, K2])],
  );
  return { pair, expected: reference(x, w, K2, G, components) };
}

describe('integer pair dot product (int16 activations × int8 weights)', () => {
  it('one component: bit-identical to stock and to the exact reference, one dot per pair', () => {
    const { pair, expected } = run(oneComponent, 37, 3, 1);
    expect(bitsEqual(pair.stock, expected)).toBe(true);
    expect(bitsEqual(pair.extended, pair.stock)).toBe(true);
    const stock = simdKernelCounts(pair.stockBytes);
    const extended = simdKernelCounts(pair.extendedBytes);
    expect(stock.get(DOT) ?? 0).toBe(0);
    expect(extended.get(DOT)).toBe(1);
    expect(extended.get(LOAD8X8_S)).toBe(1);
  });

  it('four components, operands in either order and pairs written high-first: four dots, same bits', () => {
    const { pair, expected } = run(fourComponents, 64, 5, 4, 7);
    expect(bitsEqual(pair.extended, expected)).toBe(true);
    expect(bitsEqual(pair.extended, pair.stock)).toBe(true);
    const extended = simdKernelCounts(pair.extendedBytes);
    expect(extended.get(DOT)).toBe(4);
    expect(extended.get(`loop:${DOT}`)).toBe(4);
    // no per-lane weight gathers are left in the loop
    expect(extended.get('loop:fd20') ?? 0).toBe(0);
  });

  it('extreme values (−32768 × −128 in every term) stay exact', () => {
    const K2 = 16;
    const G = 1;
    const w = new Int8Array(G * K2 * 32).fill(-128);
    const x = new Int16Array(2 * K2).fill(-32768);
    const pair = runPair(
      (gpu) => pairKernel(gpu, K2, G, w, oneComponent, 1),
      [new gpujs.Input(x as unknown as number[], [2, K2])],
    );
    expect(bitsEqual(pair.extended, reference(x, w, K2, G, 1))).toBe(true);
    expect(Array.from(pair.extended)).toEqual(new Array(4).fill(K2 * 2 * 2 ** 22));
  });

  it('a weight pair that is not adjacent (+2) keeps stock code and stock values', () => {
    const source = oneComponent.replace('this.thread.x * 2 + 1]', 'this.thread.x * 2 + 2]');
    const K2 = 8;
    const G = 2;
    const w = seededInt8(G * K2 * 32 + 8, 3);
    const x = seededInt16(2 * K2, 4);
    const pair = runPair(
      (gpu) =>
        gpu.createKernel(source as unknown as (this: Kernel, x: number[][]) => number, {
          output: [4, G],
          constants: {
            K2,
            w: new gpujs.Input(w.subarray(0, G * K2 * 32) as unknown as number[], [32, K2, G]),
          },
        }),
      [new gpujs.Input(x as unknown as number[], [2, K2])],
    );
    expect(bitsEqual(pair.extended, pair.stock)).toBe(true);
    expect(simdKernelCounts(pair.extendedBytes).get(DOT) ?? 0).toBe(0);
  });

  it('f32 activations (a Float32Array of the same integers) keep stock code and give the same bits', () => {
    const K2 = 12;
    const G = 2;
    const w = seededInt8(G * K2 * 32, 5);
    const x = seededInt16(2 * K2, 6);
    const floats = Float32Array.from(x);
    const pair = runPair(
      (gpu) => pairKernel(gpu, K2, G, w, oneComponent, 1),
      [new gpujs.Input(floats as unknown as number[], [2, K2])],
    );
    expect(simdKernelCounts(pair.extendedBytes).get(DOT) ?? 0).toBe(0);
    expect(bitsEqual(pair.extended, reference(x, w, K2, G, 1))).toBe(true);
  });

  it('under a lane-varying branch (a live SIMD mask) the sum keeps stock code', () => {
    const source = oneComponent.replace('s += x[j][0]', 'if (this.thread.x > 1) s += x[j][0]');
    const K2 = 8;
    const G = 1;
    const w = seededInt8(G * K2 * 32, 8);
    const x = seededInt16(2 * K2, 9);
    const pair = runPair(
      (gpu) => pairKernel(gpu, K2, G, w, source, 1),
      [new gpujs.Input(x as unknown as number[], [2, K2])],
    );
    expect(bitsEqual(pair.extended, pair.stock)).toBe(true);
    const full = reference(x, w, K2, G, 1);
    expect(Array.from(pair.extended)).toEqual([0, 0, full[2], full[3]]);
    expect(simdKernelCounts(pair.extendedBytes).get(DOT) ?? 0).toBe(0);
  });
});

describe('the int8 linear kernels of ops/linear-webasm.ts', () => {
  const K = 100; // not a multiple of 8: padded to kPairs(K) = 52 pairs
  const G = 3;
  const K2 = kPairs(K);
  const w = seededInt8(32 * K2 * G, 11);
  const scale = new Float32Array(16 * G).fill(1);
  const bias = new Float32Array(16 * G);
  const constants = {
    ...streamConstants(w, K2, G, 32),
    scale: new gpujs.Input(scale as unknown as number[], [16, G]),
  };
  const int16Input = (values: Int16Array, dims: number[]) =>
    new gpujs.Input(values as unknown as number[], dims as unknown as gpujs.OutputDimensions);

  it.each([4, 2] as const)(
    'decode (%i streams per step): 4 dot products per stream and step, activation pairs loaded once for the four accumulators',
    (streamsPerStep) => {
      const x = seededInt16(2 * K2, 12);
      const pair = runPair(
        (gpu) =>
          gpu.createKernel(
            matvecSource({ K, G, int8: true }, streamsPerStep) as unknown as () => number,
            {
              output: [4, G],
              returnType: 'Array(4)',
              constants:
                streamsPerStep === 4
                  ? constants
                  : { ...joinedConstants(w, K2, G, 32), scale: constants.scale },
            } as gpujs.IGPUKernelSettings,
          ),
        [int16Input(x, [2, K2]), new gpujs.Input(bias as unknown as number[], [16, G]), 0, 1],
      );
      // cell (lane, g) component c is feature q = 4c + lane of group g: the reference's component order
      expect(bitsEqual(pair.extended, reference(x, w, K2, G, 4, 2))).toBe(true);
      expect(bitsEqual(pair.extended, pair.stock)).toBe(true);
      const counts = simdKernelCounts(pair.extendedBytes);
      // a step: one pair per stream for four accumulators, summed two pairs per statement
      const n = streamsPerStep;
      expect(counts.get(`loop:${DOT}`)).toBe(4 * n);
      expect(counts.get(`loop:${LOAD8X8_S}`)).toBe(4 * n);
      expect(counts.get('loop:fd09')).toBe(n); // v128.load32_splat: an activation pair per stream, shared
      expect(counts.get('loop:fdae')).toBe(2 * n); // i32x4.add: two pairs per accumulator and statement
      expect(counts.get('loop:fdfa')).toBe(2 * n); // one f32x4.convert_i32x4_s per accumulator and statement
    },
  );

  it.each([4, 2] as const)(
    'prefill (%i streams per step): each weight vector loaded once per step and pass, rows scaled one by one',
    (streamsPerStep) => {
      const x = seededInt16(2 * K2 * PREFILL_ROWS, 13);
      const rowScales = Float32Array.from({ length: PREFILL_ROWS }, (_, r) => 2 ** -(r % 5));
      const pair = runPair(
        (gpu) =>
          gpu.createKernel(
            rowsSource({ K, G, int8: true }, streamsPerStep) as unknown as () => number,
            {
              output: [4, 4, G * PREFILL_BLOCKS],
              returnType: 'Array(4)',
              constants,
            } as gpujs.IGPUKernelSettings,
          ),
        [
          int16Input(x, [2, K2, PREFILL_ROWS]),
          new gpujs.Input(bias as unknown as number[], [16, G]),
          0,
          new gpujs.Input(rowScales as unknown as number[], [PREFILL_ROWS]),
        ],
      );
      expect(bitsEqual(pair.extended, pair.stock)).toBe(true);
      // raw[((((g·RB + rb)·4 + c)·4 + lane)·4 + r]: feature q = 4c + lane of group g, row 4·rb + r
      for (let row = 0; row < PREFILL_ROWS; row++) {
        const sums = reference(x.subarray(row * 2 * K2, (row + 1) * 2 * K2), w, K2, G, 4, 2);
        for (let g = 0; g < G; g++) {
          for (let c = 0; c < 4; c++) {
            for (let lane = 0; lane < 4; lane++) {
              const at = (((g * PREFILL_BLOCKS + (row >> 2)) * 4 + c) * 4 + lane) * 4 + (row & 3);
              const want = Math.fround(sums[(g * 4 + lane) * 4 + c] * rowScales[row]);
              expect(pair.extended[at]).toBe(want);
            }
          }
        }
      }
      const counts = simdKernelCounts(pair.extendedBytes);
      // form 4: one loop over the four rows; form 2: two loops of two rows, each loading the weights
      const passes = streamsPerStep === 4 ? 1 : 2;
      expect(counts.get(`loop:${DOT}`)).toBe(16);
      expect(counts.get(`loop:${LOAD8X8_S}`)).toBe(4 * passes); // four weight pairs per step, shared by its rows
      expect(counts.get('loop:fd09')).toBe(16); // one activation pair load per row and pair
    },
  );
});
