// backend.weightFromRows stores the same weight as backend.weight, whatever the block size: webasm packs
// the blocks as they arrive (int8 in_out reads twice: its per-column scales span every row), other engines
// assemble the matrix. Checked by the bits of x·W against the whole-matrix weight, on webasm and cpu.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, WeightDType } from '../src/index.js';
import { createBackend, linear, TensorError } from '../src/index.js';
import { randomArray, seededRandom } from '../src/testing/compare.js';

const K = 37;
const N = 53;

describe('weightFromRows', () => {
  const backends: Backend[] = [];
  beforeAll(async () => {
    backends.push(await createBackend({ backend: 'webasm' }), await createBackend({ backend: 'cpu' }));
  });
  afterAll(() => {
    for (const b of backends) b.dispose();
  });

  for (const layout of ['in_out', 'out_in'] as const) {
    for (const dtype of ['f32', 'f16', 'int8'] as WeightDType[]) {
      it(`gives the bits of weight() for ${layout} ${dtype} in blocks of 1, 8 and all rows`, async () => {
        const rnd = seededRandom(layout === 'in_out' ? 1 : 2);
        const shape: [number, number] = layout === 'in_out' ? [K, N] : [N, K];
        const w = randomArray(rnd, K * N);
        const x = randomArray(rnd, 5 * K);
        for (const be of backends) {
          const whole = be.weight(w, shape, { layout, dtype });
          const want = await be.scope(() => linear(be.tensor(x, [5, K]), whole).toArray());
          for (const rowsPerRead of [1, 8, shape[0]]) {
            const reads: number[] = [];
            const streamed = await be.weightFromRows(
              shape,
              async (start, count) => {
                reads.push(count);
                return w.slice(start * shape[1], (start + count) * shape[1]);
              },
              { layout, dtype, rowsPerRead },
            );
            expect(reads.every((c) => c <= rowsPerRead)).toBe(true);
            expect(streamed.bytes).toBe(whole.bytes);
            const got = await be.scope(() => linear(be.tensor(x, [5, K]), streamed).toArray());
            expect(Array.from(got), `${be.name}, ${rowsPerRead} rows per read`).toEqual(Array.from(want));
            streamed.dispose();
          }
          whole.dispose();
        }
      });
    }
  }

  it('names the rows and the expected length when a block is wrong', async () => {
    for (const be of backends) {
      await expect(be.weightFromRows([4, 3], () => new Float32Array(5), { rowsPerRead: 2 })).rejects.toThrow(
        /rows 0…1 came as 5 values, expected 2·3 = 6/,
      );
      await expect(be.weightFromRows([4, 3], () => new Float32Array(6), { rowsPerRead: 0 })).rejects.toThrow(
        TensorError,
      );
    }
  });
});
