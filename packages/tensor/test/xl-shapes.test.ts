// GPT-2 XL's largest shapes (n_embd 1600, MLP 6400, vocabulary 50257) on every Node backend, against the
// plain TypeScript reference: the sizes that must fit WebGL texture limits and Node memory.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, BackendName } from '../src/index.js';
import { createBackend, embedding, linear, probeBackends } from '../src/index.js';
import { createReferenceBackend, expectClose, randomArray, seededRandom } from '../src/testing/index.js';

const F32 = 1e-4;
const C = 1600;
const INNER = 4 * C;
const VOCAB = 50257;
const required = new Set((process.env.GPT2JS_REQUIRE_BACKENDS ?? '').split(',').map((s) => s.trim()));
const probes = await probeBackends();

// One XL-sized wte shared by every backend's cases (50257×1600 f32 ≈ 322 MB).
const random = seededRandom(1600);
const wte = randomArray(random, VOCAB * C, 0.02);
const fc = randomArray(random, C * INNER, 0.02);
const fcBias = randomArray(random, INNER, 0.02);
const x = randomArray(random, C);
const wpe = randomArray(random, 4 * C, 0.01);

for (const name of ['cpu', 'webasm', 'headlessgl'] as BackendName[]) {
  const probe = probes.find((p) => p.name === name)!;
  if (!probe.available) {
    if (required.has(name)) it(`${name} is required but unavailable`, () => expect.fail(probe.reason));
    else describe.skip(`${name} (unavailable: ${probe.reason})`, () => it('XL shapes', () => {}));
    continue;
  }
  describe(`GPT-2 XL shapes on ${name}`, () => {
    let backend: Backend;
    const reference = createReferenceBackend();
    beforeAll(async () => {
      backend = await createBackend({ backend: name });
    });
    afterAll(() => {
      backend?.dispose();
      reference.dispose();
    });

    it('c_fc: 1×1600 · 1600×6400 + bias, gelu_new fused', async () => {
      const run = (be: Backend) =>
        linear(be.tensor(x, [1, C]), be.weight(fc, [C, INNER]), be.tensor(fcBias, [INNER]), {
          activation: 'gelu_new',
        }).toArray();
      expectClose('c_fc xl', await run(backend), await run(reference), F32);
    });

    it('tied LM head: 1×1600 · (50257×1600)ᵀ, and the embedding gather from the same weight', async () => {
      const ids = Int32Array.from([0, 50256, 31337, 7]);
      const positions = Int32Array.from([0, 1, 2, 3]);
      const run = async (be: Backend) => {
        const head = be.weight(wte, [VOCAB, C], { layout: 'out_in' });
        const logits = await linear(be.tensor(x, [1, C]), head).toArray();
        const gathered = await embedding(head, be.tensor(wpe, [4, C]), ids, positions).toArray();
        head.dispose();
        return { logits, gathered };
      };
      const got = await run(backend);
      const want = await run(reference);
      expectClose('lm head xl', got.logits, want.logits, F32);
      expectClose('embedding xl', got.gathered, want.gathered, F32);
    });
  });
}
