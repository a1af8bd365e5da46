// scatterRows (src/ops/linear-webasm.ts): a prefill call's blocked output into row-major rows.
import { describe, expect, it } from 'vitest';
import { PREFILL_BLOCKS, PREFILL_ROWS, scatterRows } from '../src/ops/linear-webasm.js';

describe('scatterRows', () => {
  it.each([
    [769, 0, 16],
    [48, 32, 5],
    [7, 16, 1],
  ])('N = %i, rows from %i, %i rows: every element from its place in the block layout', (N, r0, rows) => {
    const G = Math.ceil(N / 16);
    const raw = Float32Array.from({ length: 16 * G * PREFILL_BLOCKS * 4 }, (_, i) => i + 0.5);
    const out = new Float32Array((r0 + PREFILL_ROWS) * N).fill(-1);
    scatterRows(raw, out, N, r0, rows);
    for (let row = 0; row < r0 + PREFILL_ROWS; row++) {
      for (let n = 0; n < N; n++) {
        const g = n >> 4;
        const x = (n >> 2) & 3;
        const c = n & 3;
        const r = row - r0;
        const want =
          r >= 0 && r < rows ? raw[(((g * PREFILL_BLOCKS + (r >> 2)) * 4 + c) * 4 + x) * 4 + (r & 3)] : -1;
        expect(out[row * N + n]).toBe(want);
      }
    }
  });
});
