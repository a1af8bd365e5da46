// Which rows of a webasm linear call the prefill kernel computes (prefillRowsOf, src/webasm/linear-kernels.ts):
// whole blocks of 16, and a last block only when it holds more than 8 rows; the rest go row by row through the
// decode kernel, which gives every row the same bits as the prefill kernel, so a row's result does not depend
// on how many rows came with it.
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend, linear } from '../src/index.js';
import { prefillRowsOf } from '../src/webasm/linear-kernels.js';

const backend = await createBackend({ backend: 'webasm' });
afterAll(() => backend.dispose());

describe('prefillRowsOf', () => {
  it('keeps whole blocks and a last block of more than 8 rows', () => {
    const cases: [number, number][] = [
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

  it.each(['f32', 'f16', 'int8'] as const)(
    '%s: rows of a 20-row call (16 by prefill, 4 by decode) equal the same rows alone',
    async (dtype) => {
      const K = 99;
      const N = 40;
      const w = backend.weight(
        Float32Array.from({ length: K * N }, (_, i) => Math.sin(i * 0.7) * 0.3),
        [K, N],
        { dtype },
      );
      const R = 20;
      const x = Float32Array.from({ length: R * K }, (_, i) => Math.cos(i * 0.37) * 2);
      const all = await linear(backend.tensor(x, [R, K]), w).toArray();
      for (const r of [0, 7, 15, 16, 19]) {
        const alone = await linear(backend.tensor(x.subarray(r * K, (r + 1) * K), [1, K]), w).toArray();
        expect(all.subarray(r * N, (r + 1) * N)).toEqual(alone);
      }
    },
  );
});
