// How a webasm linear call splits its rows (src/webasm/linear-kernels.ts): whole blocks of 16 by the prefill
// kernel (and a last block of more than 8 rows), then calls of 4 rows, then a last single row by the decode
// kernel. All three give a row the same bits, so a row's result does not depend on how many came with it.
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend, linear } from '../src/index.js';
import { fourRowsOf, prefillRowsOf } from '../src/webasm/linear-kernels.js';

const backend = await createBackend({ backend: 'webasm' });
afterAll(() => backend.dispose());

describe('the rows of a webasm linear call', () => {
  it('keeps whole blocks and a last block of more than 8 rows for the prefill kernel', () => {
    const cases = [
      [1, 0],
      [4, 0],
      [8, 0],
      [9, 9],
      [15, 15],
      [16, 16],
      [17, 16],
      [24, 16],
      [25, 25],
      [100, 96],
      [109, 109],
    ];
    for (const [R, want] of cases) expect([R, prefillRowsOf(R)]).toEqual([R, want]);
  });

  it('sends what is left in calls of 4 rows but a last single row', () => {
    const cases = [
      [0, 0],
      [1, 0],
      [2, 2],
      [3, 3],
      [4, 4],
      [5, 4],
      [6, 6],
      [8, 8],
      [9, 8],
    ];
    for (const [rest, want] of cases) expect([rest, fourRowsOf(rest)]).toEqual([rest, want]);
  });

  it.each(['f32', 'f16', 'int8'] as const)(
    '%s: every row of a call, whichever kernel took it, equals the row alone',
    async (dtype) => {
      const K = 99;
      const N = 40;
      const w = backend.weight(
        Float32Array.from({ length: K * N }, (_, i) => Math.sin(i * 0.7) * 0.3),
        [K, N],
        { dtype },
      );
      const x = Float32Array.from({ length: 22 * K }, (_, i) => Math.cos(i * 0.37) * 2);
      const alone: Float32Array[] = [];
      for (let r = 0; r < 22; r++)
        alone.push(await linear(backend.tensor(x.subarray(r * K, (r + 1) * K), [1, K]), w).toArray());
      // 22: 16 by prefill, then 4-row calls of 4 and 2; 21: 16, 4, and one by decode; 3: one 4-row call
      for (const R of [22, 21, 3]) {
        const all = await linear(backend.tensor(x.subarray(0, R * K), [R, K]), w).toArray();
        for (let r = 0; r < R; r++)
          expect([R, r, ...all.subarray(r * N, (r + 1) * N)]).toEqual([R, r, ...alone[r]]);
      }
    },
  );
});
