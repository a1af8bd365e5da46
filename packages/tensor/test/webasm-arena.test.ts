// The webasm engine keeps each weight once, packed in its arena, and computes every linear from it with the
// decode (one row) and prefill (four rows per call) kernels, split over its worker threads. Checks the
// storage (bytes per element, regions freed on dispose), results against the plain-TypeScript reference
// for every row count, bias and gelu, that both kernels give a row the same bits, that threads change no
// bit, and the embedding gathered from the packed wte.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, WeightDType } from '../src/index.js';
import { attention, createBackend, embedding, linear } from '../src/index.js';
import type { WeightImpl } from '../src/tensor.js';
import { randomArray, relativeError, seededRandom } from '../src/testing/compare.js';
import { createReferenceBackend } from '../src/testing/index.js';
import type { WasmArenaEngine } from '../src/webasm/engine.js';
import type { PackedWeight } from '../src/webasm/packed-weight.js';

const engineOf = (b: Backend) => (b as unknown as { engine: WasmArenaEngine }).engine;
const arenaUsed = (b: Backend) => engineOf(b).arena.chunks.reduce((sum, c) => sum + c.used, 0);

async function run(be: Backend, fn: (be: Backend) => { toArray(): Promise<Float32Array> }) {
  return be.scope(async () => fn(be).toArray());
}

describe('webasm arena engine', () => {
  let backend: Backend;
  let single: Backend;
  const reference = createReferenceBackend();
  beforeAll(async () => {
    backend = await createBackend({ backend: 'webasm' });
    single = await createBackend({ backend: 'webasm', threads: 1 });
  });
  afterAll(() => {
    backend?.dispose();
    single?.dispose();
    reference.dispose();
  });

  it('reports its threads and uses the arena engine', () => {
    expect(engineOf(backend).constructor.name).toBe('WasmArenaEngine');
    expect(engineOf(single).threads).toBe(1);
    expect(backend.report().reason).toMatch(/threads? (over shared WebAssembly memory|\()/);
  });

  for (const dtype of ['f32', 'f16', 'int8'] as WeightDType[]) {
    it(`stores a ${dtype} weight once, packed, and frees it on dispose`, () => {
      const K = 97;
      const N = 769;
      const before = arenaUsed(backend);
      const weight = backend.weight(randomArray(seededRandom(1), K * N), [K, N], { dtype }) as WeightImpl;
      const packed = weight.data.storage as PackedWeight;
      const perElement = { f32: 4, f16: 2, int8: 1 }[dtype];
      const G = Math.ceil(N / 16);
      expect(packed.kind).toBe(dtype);
      expect(weight.data.elementBytes).toBe(perElement);
      expect(weight.bytes).toBe(G * 16 * K * perElement + (dtype === 'int8' ? G * 64 : 0));
      expect(packed.data.chunk.memory.buffer.byteLength).toBeGreaterThan(packed.data.bytes);
      expect(arenaUsed(backend)).toBeGreaterThanOrEqual(before + weight.bytes);
      weight.dispose();
      expect(weight.data.freed).toBe(true);
      expect(arenaUsed(backend)).toBe(before);
    });

    // K = 97: an odd tail everywhere (int8 k pairs padded); K = 96: the unrolled f32/f16 decode loop
    it.each([97, 96])(
      `computes x·W (+b, gelu) for 1 … 9 rows on ${dtype}, K = %i (decode and prefill kernels)`,
      async (K) => {
        const N = 769;
        const rnd = seededRandom(2);
        const w = randomArray(rnd, K * N, 1 / Math.sqrt(K));
        const b = randomArray(rnd, N, 0.5);
        const x = randomArray(rnd, 9 * K);
        const weight = backend.weight(w, [K, N], { dtype });
        const oracle = reference.weight(w, [K, N], { dtype });
        for (const R of [1, 3, 4, 5, 9]) {
          for (const withBias of [false, true]) {
            for (const gelu of [false, true]) {
              const op = (be: Backend, wt: typeof weight) =>
                linear(
                  be.tensor(x.subarray(0, R * K), [R, K]),
                  wt,
                  withBias ? be.tensor(b, [N]) : undefined,
                  {
                    activation: gelu ? 'gelu_new' : undefined,
                  },
                );
              const got = await run(backend, (be) => op(be, weight));
              const want = await run(reference, (be) => op(be, oracle));
              expect(relativeError(got, want), `R ${R}, bias ${withBias}, gelu ${gelu}`).toBeLessThan(1e-4);
            }
          }
        }
        weight.dispose();
        oracle.dispose();
      },
    );
  }

  it.each(['f32', 'f16', 'int8'] as WeightDType[])(
    'gives a row the same bits through the prefill kernel as through the decode kernel (%s)',
    async (dtype) => {
      const K = 64;
      const N = 100;
      const rnd = seededRandom(3);
      const weight = backend.weight(randomArray(rnd, K * N), [K, N], { dtype });
      const bias = randomArray(rnd, N);
      const x = randomArray(rnd, 4 * K);
      const rows = await run(backend, (be) => linear(be.tensor(x, [4, K]), weight, be.tensor(bias, [N])));
      for (let r = 0; r < 4; r++) {
        const one = await run(backend, (be) =>
          linear(be.tensor(x.subarray(r * K, (r + 1) * K), [1, K]), weight, be.tensor(bias, [N])),
        );
        expect(Array.from(one)).toEqual(Array.from(rows.subarray(r * N, (r + 1) * N)));
      }
      weight.dispose();
    },
  );

  it('changes no bit when the work is split over threads', async () => {
    const K = 768;
    const N = 3072;
    const rnd = seededRandom(4);
    const w = randomArray(rnd, K * N, 0.05);
    const x = randomArray(rnd, 6 * K);
    for (const R of [1, 6]) {
      const a = backend.weight(w, [K, N], { dtype: 'int8' });
      const b = single.weight(w, [K, N], { dtype: 'int8' });
      const got = await run(backend, (be) => linear(be.tensor(x.subarray(0, R * K), [R, K]), a));
      const want = await run(single, (be) => linear(be.tensor(x.subarray(0, R * K), [R, K]), b));
      expect(Array.from(got)).toEqual(Array.from(want));
      a.dispose();
      b.dispose();
    }
  });

  it('attends over a cache of 3 prefill blocks and decode steps with the same bits on 1 and 2 threads', async () => {
    const nH = 4;
    const hd = 16;
    const C = nH * hd;
    const T = 70; // three blocks of query rows
    const rnd = seededRandom(5);
    const prompt = randomArray(rnd, T * 3 * C);
    const steps = [randomArray(rnd, 3 * C), randomArray(rnd, 3 * C)];
    const outputs = async (be: Backend) => {
      const cache = be.createKVCache({ nLayer: 2, nHead: nH, headDim: hd, maxLength: 90 });
      const results: Float32Array[] = [];
      for (const [qkv, rows] of [[prompt, T], ...steps.map((s) => [s, 1] as const)] as const) {
        for (let layer = 0; layer < 2; layer++) {
          results.push(
            await be.scope(async () => {
              const { output } = attention(be.tensor(qkv, [rows, 3 * C]), cache, layer, {
                batch: 1,
                scale: 0.25,
              });
              return output.toArray();
            }),
          );
        }
        cache.advance(rows);
      }
      cache.dispose();
      return results;
    };
    const [threaded, oneThread, want] = await Promise.all([
      outputs(backend),
      outputs(single),
      outputs(reference),
    ]);
    threaded.forEach((got, i) => {
      expect(Array.from(got)).toEqual(Array.from(oneThread[i]));
      expect(relativeError(got, want[i]), `call ${i}`).toBeLessThan(1e-4);
    });
  });

  for (const dtype of ['f32', 'f16', 'int8'] as WeightDType[]) {
    it(`gathers ${dtype} embeddings from the packed out_in wte`, async () => {
      const V = 37;
      const C = 24;
      const rnd = seededRandom(6);
      const wte = randomArray(rnd, V * C);
      const wpe = randomArray(rnd, 8 * C);
      const ids = Int32Array.of(0, 36, 5, 17);
      const positions = Int32Array.of(0, 1, 2, 7);
      const weight = backend.weight(wte, [V, C], { layout: 'out_in', dtype });
      const oracle = reference.weight(wte, [V, C], { layout: 'out_in', dtype });
      const got = await run(backend, (be) => embedding(weight, be.tensor(wpe, [8, C]), ids, positions));
      const want = await run(reference, (be) => embedding(oracle, be.tensor(wpe, [8, C]), ids, positions));
      expect(relativeError(got, want)).toBeLessThan(1e-6);
      weight.dispose();
    });
  }
});
