// Row statistics (src/ops/row-stats.ts): a row of one segment takes one kernel, whose bits match the two
// stages it replaces where kernels compute in f32 (webasm; gpu.js's cpu mode keeps the fused kernel's
// intermediates in double, closer to the reference, and the conformance suite covers it).
import { describe, expect, it } from 'vitest';
import type { BaseBackend } from '../src/backends/base.js';
import { createBackend } from '../src/index.js';
import {
  rowStats,
  rowStatsCombineSpec,
  rowStatsPartialSpec,
  SEGMENT,
  type StatsKind,
} from '../src/ops/row-stats.js';
import type { TensorImpl } from '../src/tensor.js';
import { randomArray, seededRandom } from '../src/testing/compare.js';

describe.each(['webasm'] as const)('rowStats on %s', (name) => {
  it.each([
    ['layernorm', 768, 3],
    ['layernorm', 97, 5],
    ['softmax', 768, 3],
    ['softmax', 1, 2],
  ] as [StatsKind, number, number][])(
    '%s over %i columns: one kernel, the bits of the two stages',
    async (kind, C, R) => {
      expect(C).toBeLessThanOrEqual(SEGMENT);
      const backend = (await createBackend({ backend: name })) as unknown as BaseBackend;
      try {
        const rnd = seededRandom(C * 31 + R);
        const values = randomArray(rnd, R * C, 3);
        for (let i = 0; i < values.length; i += 7) values[i] += 40; // a mean far from 0: stage 2's mean·C/C rounds
        const x = backend.tensor(values, [R, C]) as TensorImpl;
        const eps = 1e-5;
        const engine = backend.engine;
        const one = rowStats(backend, x.buffer, kind, eps);
        const partial = engine.run(rowStatsPartialSpec, kind, [x.buffer], [], R, 2);
        const two = engine.run(rowStatsCombineSpec, { kind, C }, [partial], [eps], R, 2);
        const [a, b] = [await engine.read(one), await engine.read(two)];
        expect(Array.from(a)).toEqual(Array.from(b));
        expect(a.every(Number.isFinite)).toBe(true);
        for (const buffer of [one, partial, two]) engine.free(buffer);
        x.dispose();
      } finally {
        backend.dispose();
      }
    },
  );
});
