// The order in which the f32 linear kernels of src/ops/linear-webasm.ts add their products, bit for bit:
// k in order in the form with two streams per step, in halves in the form with four (streams 0–1 and 2–3
// summed apart, each adding the sum of its two products per j, the halves added last). In each form the
// decode and the prefill kernel add in the same order, so a row gives the same bits through either. Checked
// against a float32 emulation of each order, with stock gpu.js and with the code generation installed
// (fused multiply-adds off, test/setup-no-fma.ts).
import * as gpujs from 'gpu.js';
import { afterAll, describe, expect, it } from 'vitest';
import { uninstallWebasmCodegen } from '../../src/codegen/index.js';
import { PREFILL_BLOCKS, PREFILL_ROWS } from '../../src/ops/linear-webasm.js';
import { runPair, seeded } from './harness.js';
import { f32DecodeKernel, f32PrefillKernel } from './linear-streams.js';

afterAll(() => {
  uninstallWebasmCodegen(gpujs);
});

type Form = 2 | 4;
const f = Math.fround;
const K = 40; // ten steps of j
const G = 3;
const w = seeded(16 * K * G, 1); // packed [G][K][16]: weight lane q of group g at (g·K + k)·16 + q
const bias = seeded(16 * G, 2);
const x = seeded(PREFILL_ROWS * K, 3);

/** Output q of group g for `row` (K values), summed in `form`'s order in float32, plus the bias. */
function emulate(form: Form, row: Float32Array, g: number, q: number): number {
  const term = (k: number) => f(row[k]! * w[(g * K + k) * 16 + q]!);
  let sum = 0;
  if (form === 2) {
    for (let k = 0; k < K; k++) sum = f(sum + term(k));
  } else {
    let low = 0;
    let high = 0;
    for (let k = 0; k < K; k += 4) {
      low = f(low + f(term(k) + term(k + 1)));
      high = f(high + f(term(k + 2) + term(k + 3)));
    }
    sum = f(low + high);
  }
  return f(sum + bias[16 * g + q]!);
}

const biasInput = () => new gpujs.Input(bias as unknown as number[], [16, G]);

/** Decode of row r: output 16g + 4x + c is weight lane q = x + 4c of group g. */
function decode(form: Form, r: number) {
  const row = x.subarray(r * K, (r + 1) * K);
  const pair = runPair(f32DecodeKernel(K, G, w, form), [row, biasInput(), 0]);
  const want = new Float32Array(16 * G);
  for (let g = 0; g < G; g++)
    for (let lane = 0; lane < 4; lane++)
      for (let c = 0; c < 4; c++) want[16 * g + 4 * lane + c] = emulate(form, row, g, lane + 4 * c);
  return { ...pair, want };
}

/** Prefill of all rows: raw[(((g·RB + rb)·4 + c)·4 + lane)·4 + r] is weight lane q = 4c + lane of row 4rb + r. */
function prefill(form: Form) {
  const pair = runPair(f32PrefillKernel(K, G, w, form), [
    new gpujs.Input(x as unknown as number[], [K, PREFILL_ROWS]),
    biasInput(),
    0,
  ]);
  const want = new Float32Array(pair.extended.length);
  for (let g = 0; g < G; g++)
    for (let rb = 0; rb < PREFILL_BLOCKS; rb++)
      for (let c = 0; c < 4; c++)
        for (let lane = 0; lane < 4; lane++)
          for (let r = 0; r < 4; r++) {
            const row = 4 * rb + r;
            const at = (((g * PREFILL_BLOCKS + rb) * 4 + c) * 4 + lane) * 4 + r;
            want[at] = emulate(form, x.subarray(row * K, (row + 1) * K), g, 4 * c + lane);
          }
  return { ...pair, want };
}

describe('the f32 linear kernels’ order of summation', () => {
  it.each([2, 4] as const)('form %i: the decode kernel adds in its stated order', (form) => {
    for (const r of [0, 5]) {
      const run = decode(form, r);
      expect(Array.from(run.stock), `row ${r}, stock`).toEqual(Array.from(run.want));
      expect(Array.from(run.extended), `row ${r}, extended`).toEqual(Array.from(run.want));
    }
  });

  it.each([2, 4] as const)('form %i: the prefill kernel adds in the same order', (form) => {
    const run = prefill(form);
    expect(Array.from(run.stock)).toEqual(Array.from(run.want));
    expect(Array.from(run.extended)).toEqual(Array.from(run.want));
  });

  it('the two orders differ somewhere, within rounding of each other', () => {
    const two = prefill(2).want;
    const four = prefill(4).want;
    let differ = 0;
    for (let i = 0; i < two.length; i++) {
      if (two[i] !== four[i]) differ++;
      expect(Math.abs(two[i]! - four[i]!)).toBeLessThan(1e-5);
    }
    // otherwise the checks above could not tell the orders apart
    expect(differ).toBeGreaterThan(0);
  });
});
