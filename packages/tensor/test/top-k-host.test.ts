// topk and argmax on the CPU engines select on the host (ops/top-k-host.ts): the same picks as the kernels,
// bit for bit, on rows with ties, NaN, ±Infinity and fewer than k values that are not NaN.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceBuffer } from '../src/backend.js';
import type { BaseBackend } from '../src/backends/base.js';
import { type Backend, createBackend } from '../src/index.js';
import { argmax, topk, topkOnDevice } from '../src/ops/top-k.js';
import { NONE } from '../src/ops/top-k-host.js';
import { seededRandom } from '../src/testing/compare.js';
import { hostTopK } from '../src/testing/conformance-top-k.js';

/** Six rows: few distinct values; random with ±Infinity; all −Infinity; two values among NaN; all NaN; ascending. */
function rows(V: number): Float32Array {
  const random = seededRandom(V + 1);
  const x = new Float32Array(6 * V);
  for (let i = 0; i < V; i++) {
    x[i] = Math.floor(random() * 5);
    x[V + i] = random() * 8 - 4;
    x[2 * V + i] = Number.NEGATIVE_INFINITY;
    x[3 * V + i] = Number.NaN;
    x[4 * V + i] = Number.NaN;
    x[5 * V + i] = i / V;
  }
  x[V + Math.floor(V / 3)] = Number.POSITIVE_INFINITY;
  x[V + Math.floor(V / 2)] = Number.NEGATIVE_INFINITY;
  x[Math.floor(V / 2)] = Number.NaN;
  x[3 * V + V - 1] = 1;
  x[3 * V + 1] = 1;
  return x;
}

for (const name of ['cpu', 'webasm'] as const) {
  describe(`topk on the host (${name})`, () => {
    let backend: Backend;
    beforeAll(async () => {
      backend = await createBackend({ backend: name });
    });
    afterAll(() => backend?.dispose());

    for (const [V, k] of [
      [7, 1],
      [7, 2],
      [7, 5],
      [1030, 6],
      [50257, 51],
      [3000, 2000],
    ] as const) {
      it(`gives the kernels' picks over rows of ${V}, k = ${k}`, async () => {
        const x = rows(V);
        const t = backend.tensor(x, [6, V]);
        const host = await topk(t, k);
        const { owner, buffer } = t as unknown as { owner: BaseBackend; buffer: DeviceBuffer };
        const device = await topkOnDevice(owner, buffer, 6, V, k);
        expect(Array.from(host.indices)).toEqual(Array.from(device.indices));
        expect(Array.from(host.values)).toEqual(Array.from(device.values));
        // argmax: the first pick, −1 for the row of NaN
        const ids = Array.from(await argmax(t));
        expect(ids).toEqual(Array.from({ length: 6 }, (_, r) => device.indices[r * k]));
        expect(ids[4]).toBe(-1);
        for (let r = 0; r < 6; r++) {
          const expected = hostTopK(x.subarray(r * V, (r + 1) * V), k);
          const got = Array.from(host.indices.subarray(r * k, (r + 1) * k));
          expect(got.slice(0, expected.length)).toEqual(expected);
          // fewer values than k (NaN rows): the rest are (NONE, −1)
          expect(got.slice(expected.length)).toEqual(new Array(k - expected.length).fill(-1));
          const pad = Array.from(host.values.subarray(r * k + expected.length, (r + 1) * k));
          expect(pad).toEqual(new Array(k - expected.length).fill(Math.fround(NONE)));
        }
        t.dispose();
      });
    }
  });
}
