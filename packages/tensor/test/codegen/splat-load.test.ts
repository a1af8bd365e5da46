// Lane-uniform f32 reads multiplied into vectors (src/codegen/splat-load.ts): one v128.load32_splat instead
// of f32.load + f32x4.splat, same bits as stock gpu.js.
import * as gpujs from 'gpu.js';
import { afterAll, describe, expect, it } from 'vitest';
import { uninstallWebasmCodegen } from '../../src/codegen/index.js';
import { PREFILL_ROWS } from '../../src/ops/linear-webasm.js';
import { bitsEqual, runPair, seeded } from './harness.js';
import { f32PrefillKernel } from './linear-streams.js';
import { simdKernelCounts } from './wasm-walk.js';

afterAll(() => {
  uninstallWebasmCodegen(gpujs);
});

const LOAD32_SPLAT = 'fd09';
const F32X4_SPLAT = 'fd13';

describe('splatted uniform loads', () => {
  const prefill = (streamsPerStep: 2 | 4) => {
    const K = 24;
    const G = 2;
    const w = seeded(16 * K * G, 1);
    const x = seeded(PREFILL_ROWS * K, 2);
    const bias = seeded(16 * G, 3);
    return runPair(f32PrefillKernel(K, G, w, streamsPerStep), [
      new gpujs.Input(x as unknown as number[], [K, PREFILL_ROWS]),
      new gpujs.Input(bias as unknown as number[], [16, G]),
      1,
    ]);
  };

  it.each([2, 4] as const)(
    'the f32 prefill kernel (%i streams per step): a broadcast load per row and k, no scalar load + splat, stock bits',
    (streamsPerStep) => {
      const pair = prefill(streamsPerStep);
      expect(bitsEqual(pair.extended, pair.stock)).toBe(true);
      const stock = simdKernelCounts(pair.stockBytes);
      const extended = simdKernelCounts(pair.extendedBytes);
      // four rows × the k of one step (one per stream)
      expect(stock.get(`loop:${F32X4_SPLAT}`) ?? 0).toBeGreaterThanOrEqual(4 * streamsPerStep);
      expect(extended.get(`loop:${LOAD32_SPLAT}`)).toBe(4 * streamsPerStep);
      // the four row reads no longer go through a scalar load and a splat (nor does anything else here)
      expect(extended.get(`loop:${F32X4_SPLAT}`) ?? 0).toBe(0);
      expect(extended.get('loop:f32.load') ?? 0).toBe(0);
    },
  );

  it('either operand order, and a read under a lane-varying branch keeps stock code', () => {
    const source = `function (a, b) {
      let s = b[this.thread.x] * a[this.thread.y];
      if (this.thread.x > 1) { s += a[this.thread.y + 1] * b[this.thread.x]; }
      return s;
    }`;
    const a = seeded(9, 4);
    const b = seeded(8, 5);
    const pair = runPair(
      (gpu) => gpu.createKernel(source as unknown as () => number, { output: [8, 8] }),
      [a, b],
    );
    expect(bitsEqual(pair.extended, pair.stock)).toBe(true);
    const counts = simdKernelCounts(pair.extendedBytes);
    expect(counts.get(LOAD32_SPLAT)).toBe(1); // the unmasked product only
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        const f = Math.fround;
        const first = f(b[x] * a[y]);
        expect(pair.extended[y * 8 + x]).toBe(x > 1 ? f(first + f(a[y + 1] * b[x])) : first);
      }
    }
  });
});
