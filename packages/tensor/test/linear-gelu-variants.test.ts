// The webasm engine compiles a linear kernel with the gelu_new epilogue only for a weight used with gelu
// (ops/linear-webasm.ts: the epilogue makes gpu.js's code generation 2–3× slower). One weight used both ways,
// alternately, in decode and prefill calls and in every storage, must give the reference's results each time:
// the two kernels share the weight's region, and the one without the epilogue still takes the gelu argument.

import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Backend, WeightDType } from '../src/index.js';
import { createBackend, linear } from '../src/index.js';
import { createReferenceBackend, expectClose, randomArray, seededRandom } from '../src/testing/index.js';

const TOLERANCE: Record<WeightDType, number> = { f32: 1e-5, f16: 2e-3, int8: 2e-2 };

describe('webasm: one weight with and without gelu_new', () => {
  let backend: Backend;
  const reference = createReferenceBackend();
  beforeAll(async () => {
    backend = await createBackend({ backend: 'webasm' });
  });
  afterAll(() => {
    backend?.dispose();
    reference.dispose();
  });

  for (const dtype of ['f32', 'f16', 'int8'] as const) {
    it(`${dtype}: decode and prefill calls alternate gelu off, on, off`, async () => {
      const K = 40;
      const N = 72;
      const random = seededRandom(K * N + dtype.length);
      const w = randomArray(random, K * N, 0.3);
      const bias = randomArray(random, N, 0.2);
      const weights = [backend.weight(w, [K, N], { dtype }), reference.weight(w, [K, N], { dtype })];
      for (const [rows, gelu] of [
        [1, false],
        [1, true],
        [6, false],
        [6, true],
        [1, false],
        [6, false],
        [1, true],
      ] as const) {
        const x = randomArray(random, rows * K, 2);
        const run = (be: Backend, weight: (typeof weights)[number]) =>
          be.scope(() =>
            linear(be.tensor(x, [rows, K]), weight, be.tensor(bias, [N]), {
              ...(gelu ? { activation: 'gelu_new' as const } : {}),
            }).toArray(),
          );
        const got = await run(backend, weights[0]);
        const want = await run(reference, weights[1]);
        expectClose(`${dtype} rows ${rows} gelu ${gelu}`, got, want, TOLERANCE[dtype]);
      }
      for (const weight of weights) weight.dispose();
    });
  }
});
