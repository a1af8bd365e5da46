// Int16Array kernel values at 2 bytes per element (compact-storage.ts, compact-load.ts): contiguous vector
// reads, lane-varying gathers and lane-uniform scalar reads must give exactly stock gpu.js's values (every
// int16 is an f32), and the region must really hold 2 bytes per element.
import * as gpujs from 'gpu.js';
import { afterAll, describe, expect, it } from 'vitest';
import { installWebasmCodegen, uninstallWebasmCodegen } from '../../src/codegen/index.js';
import { input, probe } from './compact-helpers.js';
import { bitsEqual, runPair } from './harness.js';
import { simdKernelCounts } from './wasm-walk.js';

afterAll(() => {
  uninstallWebasmCodegen(gpujs);
});

const values = Int16Array.from(
  { length: 48 },
  (_, i) => (i % 7 === 3 ? -32768 : i % 11 === 5 ? 32767 : (i * 9973) % 65536) - (i % 2) * 30000,
);

describe('Int16Array storage (2 bytes per element)', () => {
  it('contiguous, gathered and uniform reads equal stock, bit for bit', () => {
    const source = `function (a) {
      let s = a[this.thread.y][this.thread.x] + a[this.thread.y][15 - this.thread.x] * 2;
      for (let k = 0; k < 16; k++) s += a[0][k];
      return s;
    }`;
    const run = runPair(
      (gpu) => gpu.createKernel(source as unknown as () => number, { output: [16, 3] }),
      [input(values, [16, 3])],
    );
    const expected = new Float32Array(48);
    let row0 = 0;
    for (let k = 0; k < 16; k++) row0 += values[k];
    for (let y = 0; y < 3; y++) {
      for (let x = 0; x < 16; x++)
        expected[y * 16 + x] = values[y * 16 + x] + values[y * 16 + 15 - x] * 2 + row0;
    }
    expect(bitsEqual(run.extended, run.stock)).toBe(true);
    expect(bitsEqual(run.extended, expected)).toBe(true);
    const counts = simdKernelCounts(run.extendedBytes);
    expect(counts.get('fd03')).toBeGreaterThanOrEqual(1); // v128.load16x4_s for the contiguous read
    expect(counts.get('2e')).toBeGreaterThanOrEqual(4); // i32.load16_s: gather lanes and the uniform a[0][k]
  });

  it('lays the argument out at 2 bytes per element', () => {
    installWebasmCodegen(gpujs);
    const gpu = new gpujs.GPU({ mode: 'webasm' });
    const kernel = gpu.createKernel(
      function (this: gpujs.IKernelFunctionThis, a: number[]) {
        return a[this.thread.x];
      },
      { output: [48] },
    );
    expect(Array.from(kernel(input(values, [48])) as Float32Array)).toEqual(Array.from(values));
    expect(probe(kernel)._active.layout.arrays.a.flatLength * 4).toBe(48 * 2);
    gpu.destroy();
  });
});
