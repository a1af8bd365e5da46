// Conformance cases for argmax and topk on long rows, checked against a sort on the host (not the kernels'
// own reference code): rows of 3, 5, 1030 and 50257 values, so that the scan's lanes, its segments and the
// tail of V mod 4 columns each hold the answer somewhere, with ties, NaN and −Inf.

import { argmax, topk } from '../ops/top-k.js';
import type { Backend } from '../types.js';
import { expectEqual, seededRandom } from './compare.js';
import type { ConformanceCase } from './conformance.js';

/** The k first indices of `row` in the order: value descending, ties → lower index, NaN never. */
export function hostTopK(row: Float32Array, k: number): number[] {
  const ids = [...row.keys()].filter((i) => !Number.isNaN(row[i]));
  ids.sort((a, b) => (row[a] === row[b] ? a - b : row[b]! - row[a]!));
  return ids.slice(0, k);
}

/**
 * Rows of width V: 0) few distinct values (ties everywhere) and a NaN; 1) the maximum in the last column
 * and the runner-up in the last lane of the first segment; 2) −Inf everywhere but a NaN in column 0;
 * 3) the maximum twice, in two lanes of two segments (the lower index wins).
 */
function rows(V: number): Float32Array {
  const random = seededRandom(V);
  const x = new Float32Array(4 * V);
  for (let i = 0; i < V; i++) {
    x[i] = Math.floor(random() * 7);
    x[V + i] = random();
    x[2 * V + i] = Number.NEGATIVE_INFINITY;
    x[3 * V + i] = random() - 2;
  }
  x[Math.floor(V / 2)] = Number.NaN;
  x[V + V - 1] = 5;
  x[V + Math.min(3, V - 2)] = 4;
  x[2 * V] = Number.NaN;
  x[3 * V + Math.floor((2 * V) / 3)] = 3;
  x[3 * V + Math.floor(V / 3)] = 3;
  return x;
}

function topKCase(V: number, k: number): ConformanceCase {
  return {
    name: `argmax and topk over rows of ${V}: lanes, segments, the last columns, ties, NaN, −Inf`,
    big: false,
    async run(backend: Backend) {
      const x = rows(V);
      const expected = [0, 1, 2, 3].map((r) => hostTopK(x.subarray(r * V, (r + 1) * V), k));
      const t = backend.tensor(x, [4, V]);
      expectEqual(
        'argmax',
        await argmax(t),
        expected.map((ids) => ids[0]!),
      );
      const got = await topk(t, k);
      expectEqual('topk indices', got.indices, expected.flat());
      expectEqual(
        'topk values',
        got.values,
        expected.flatMap((ids, r) => ids.map((i) => x[r * V + i]!)),
      );
    },
  };
}

export function topKCases(): ConformanceCase[] {
  // k above top-k.ts's DEVICE_PICKS: the rows read back on a GPU
  return [topKCase(3, 2), topKCase(5, 4), topKCase(1030, 6), topKCase(50257, 3), topKCase(1030, 12)];
}
