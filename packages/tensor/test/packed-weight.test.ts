// The webasm packed weight layout (src/webasm/packed-weight.ts): 16 features per group, q order within a
// group, and k split into STREAMS arrays that the linear kernels read side by side (k, or the int8 k pair,
// 4j + s in stream s). Checked element by element against the layout's formula, and the round trip through
// readFeature for both source layouts.

import { describe, expect, it } from 'vitest';
import { halfValues, toHalfArray } from '../src/dtype.js';
import { kPairs, kSlots, STREAMS } from '../src/ops/linear-webasm.js';
import { Arena } from '../src/webasm/arena.js';
import { packedView, packWeight, qIndex, readFeature, streamLength } from '../src/webasm/packed-weight.js';

const K = 37; // not a multiple of 4 (f32: 40 k slots) nor of 8 (int8: 20 pairs)
const N = 21; // two groups, the second one partly padding

/** W[k][n] as distinct small integers (exact in f32 and in int8 after a shift). */
const value = (k: number, n: number) => ((k * 7 + n * 3) % 251) - 125;

function source(layout: 'in_out' | 'out_in'): Float32Array {
  const w = new Float32Array(K * N);
  for (let k = 0; k < K; k++) {
    for (let n = 0; n < N; n++) w[layout === 'in_out' ? k * N + n : n * K + k] = value(k, n);
  }
  return w;
}

describe('the packed weight layout', () => {
  it('f32: W[k][n] sits in stream k mod 4 at (g·Kp/4 + ⌊k/4⌋)·16 + q; padding is zero', () => {
    const w = packWeight(new Arena({ shared: false }), source('in_out'), 'in_out', K, N, undefined);
    const view = packedView(w) as Float32Array;
    const Kp = kSlots(K);
    const G = Math.ceil(N / 16);
    const L = streamLength('f32', K, G);
    expect(Kp).toBe(40);
    expect(L * STREAMS).toBe(view.length);
    const seen = new Set<number>();
    for (let k = 0; k < K; k++) {
      for (let n = 0; n < N; n++) {
        const at =
          (k % STREAMS) * L + ((n >> 4) * (Kp / STREAMS) + Math.floor(k / STREAMS)) * 16 + (qIndex(n) & 15);
        expect(view[at]).toBe(value(k, n));
        seen.add(at);
      }
    }
    for (let i = 0; i < view.length; i++) if (!seen.has(i)) expect(view[i]).toBe(0);
  });

  it('int8: the pair ⌊k/2⌋ sits in stream pair mod 4, both k of a pair side by side', () => {
    const values = Int8Array.from(source('out_in'));
    const scales = new Float32Array(N).fill(1);
    const w = packWeight(new Arena({ shared: false }), values, 'out_in', K, N, scales);
    const view = packedView(w) as Int8Array;
    const K2 = kPairs(K);
    const G = Math.ceil(N / 16);
    const L = streamLength('int8', K, G);
    expect(K2).toBe(20);
    for (let k = 0; k < K; k++) {
      const pair = k >> 1;
      for (let n = 0; n < N; n++) {
        const at =
          (pair % STREAMS) * L +
          ((n >> 4) * (K2 / STREAMS) + Math.floor(pair / STREAMS)) * 32 +
          2 * (qIndex(n) & 15) +
          (k & 1);
        expect(view[at]).toBe(value(k, n));
      }
    }
  });

  for (const kind of ['f32', 'f16', 'int8'] as const) {
    for (const layout of ['in_out', 'out_in'] as const) {
      it(`readFeature gives back every feature (${kind}, ${layout})`, () => {
        const w = source(layout);
        const values = kind === 'int8' ? Int8Array.from(w) : kind === 'f16' ? toHalfArray(w) : w;
        const scales = kind === 'int8' ? new Float32Array(N).fill(0.5) : undefined;
        const packed = packWeight(new Arena({ shared: false }), values, layout, K, N, scales);
        const row = new Float32Array(K);
        for (let n = 0; n < N; n++) {
          readFeature(packed, n, row, halfValues());
          const want = Array.from({ length: K }, (_, k) => value(k, n) * (kind === 'int8' ? 0.5 : 1));
          expect(Array.from(row)).toEqual(want);
        }
      });
    }
  }
});
