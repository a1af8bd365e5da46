// webasm keeps each packed weight once: inside its kernel's WebAssembly memory, not also as a host copy. Checks
// that the weight's buffer is a view into that memory, that results match the plain-TypeScript reference
// before and after (bias / no bias / gelu on one resident kernel, and the embedding gathered from the resident
// wte), that compact storage (when the codegen reports it) really stores 1 or 2 bytes per element, and that
// disposing a weight frees it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, WeightDType } from '../src/index.js';
import { createBackend, embedding, linear } from '../src/index.js';
import type { WeightImpl } from '../src/tensor.js';
import { createReferenceBackend } from '../src/testing/index.js';

function random(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let a = seed;
  for (let i = 0; i < n; i++) {
    a = (a * 1664525 + 1013904223) >>> 0;
    out[i] = a / 4294967296 - 0.5;
  }
  return out;
}

function maxRelativeDiff(actual: Float32Array, expected: Float32Array): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
  }
  return diff / Math.max(scale, 1e-30);
}

describe('resident weights on webasm', () => {
  let backend: Backend;
  const reference = createReferenceBackend();
  beforeAll(async () => {
    backend = await createBackend({ backend: 'webasm' });
  });
  afterAll(() => {
    backend?.dispose();
    reference.dispose();
  });

  for (const dtype of ['f32', 'f16', 'int8'] as WeightDType[]) {
    it(`stores a ${dtype} weight only in its kernel's memory and computes x·W (+b, gelu) from it`, async () => {
      const K = 97;
      const N = 769;
      const w = random(K * N, 3);
      const weight = backend.weight(w, [K, N], { dtype }) as WeightImpl;
      const oracle = reference.weight(w, [K, N], { dtype });
      const stored = weight.data.storage as ArrayBufferView;
      // a view inside a larger WebAssembly memory (x, bias and output regions sit beside it)
      expect(stored.buffer.byteLength).toBeGreaterThan(stored.byteLength);
      // compact storage, when the codegen extension provides it, is reported in the backend's reason
      const reason = backend.report().reason;
      const perElement =
        dtype === 'int8' && /int8 1 byte/.test(reason)
          ? 1
          : dtype === 'f16' && /f16 2 bytes/.test(reason)
            ? 2
            : 4;
      expect(weight.data.elementBytes).toBe(perElement);
      expect(weight.bytes).toBe(
        Math.ceil(N / 4) * 4 * K * perElement + (dtype === 'int8' ? Math.ceil(N / 4) * 16 : 0),
      );
      const x = random(3 * K, 5);
      const b = random(N, 7);
      for (const withBias of [false, true]) {
        for (const gelu of [false, true]) {
          const got = await backend.scope(async () => {
            const y = linear(
              backend.tensor(x, [3, K]),
              weight,
              withBias ? backend.tensor(b, [N]) : undefined,
              {
                activation: gelu ? 'gelu_new' : undefined,
              },
            );
            return y.toArray();
          });
          const want = await reference.scope(async () => {
            const y = linear(
              reference.tensor(x, [3, K]),
              oracle,
              withBias ? reference.tensor(b, [N]) : undefined,
              {
                activation: gelu ? 'gelu_new' : undefined,
              },
            );
            return y.toArray();
          });
          expect(maxRelativeDiff(got, want), `bias ${withBias}, gelu ${gelu}`).toBeLessThan(1e-4);
        }
      }
      weight.dispose();
      expect(weight.data.freed).toBe(true);
    });

    it(`gathers ${dtype} embeddings from a resident out_in wte`, async () => {
      const V = 37;
      const C = 24;
      const wte = random(V * C, 11);
      const wpe = random(8 * C, 13);
      const ids = Int32Array.of(0, 36, 5, 17);
      const positions = Int32Array.of(0, 1, 2, 7);
      const weight = backend.weight(wte, [V, C], { layout: 'out_in', dtype });
      const oracle = reference.weight(wte, [V, C], { layout: 'out_in', dtype });
      const got = await backend.scope(() =>
        embedding(weight, backend.tensor(wpe, [8, C]), ids, positions).toArray(),
      );
      const want = await reference.scope(() =>
        embedding(oracle, reference.tensor(wpe, [8, C]), ids, positions).toArray(),
      );
      expect(maxRelativeDiff(got, want)).toBeLessThan(1e-6);
      weight.dispose();
    });
  }
});
