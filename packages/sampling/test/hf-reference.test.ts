// Warpers against plain transliterations of Hugging Face's torch code (logits_process.py), on random
// logits: the references sort the way HF does (ascending cumsum for top-p, sort by shifted score for
// typical-p), the implementations under test use their own (descending prefix, partial top-k).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { minP, topK, topP, typicalP } from '../src/index.js';

const NEG = Number.NEGATIVE_INFINITY;
const ctx = { inputIds: [], promptLength: 0, maxLength: 1 };

function softmax(xs: number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

// TopPLogitsWarper: sort ascending, cumsum of softmax, remove where cumsum ≤ 1 − p, keep the last min_keep.
function hfTopP(logits: number[], p: number, minKeep: number): boolean[] {
  const order = logits.map((_, i) => i).sort((a, b) => logits[a] - logits[b]);
  const probs = softmax(order.map((i) => logits[i]));
  const remove = new Array(logits.length).fill(false);
  let cum = 0;
  order.forEach((id, r) => {
    cum += probs[r];
    remove[id] = cum <= 1 - p && r < order.length - minKeep;
  });
  return remove;
}

// TopKLogitsWarper: remove scores < the k-th largest.
function hfTopK(logits: number[], k: number): boolean[] {
  const kth = [...logits].sort((a, b) => b - a)[Math.min(k, logits.length) - 1];
  return logits.map((v) => v < kth);
}

// MinPLogitsWarper: remove probs < min_p · max prob.
function hfMinP(logits: number[], minP: number): boolean[] {
  const probs = softmax(logits);
  const top = Math.max(...probs);
  const keepIdx = logits.indexOf(Math.max(...logits));
  return probs.map((p, i) => p < minP * top && i !== keepIdx);
}

// TypicalLogitsWarper.
function hfTypical(logits: number[], mass: number): boolean[] {
  const probs = softmax(logits);
  const logp = probs.map(Math.log);
  const ent = -probs.reduce((s, p, i) => s + p * logp[i], 0);
  const shifted = logp.map((lp) => Math.abs(-lp - ent));
  const order = shifted.map((_, i) => i).sort((a, b) => shifted[a] - shifted[b]);
  let cum = 0;
  let lastInd = 0;
  for (const id of order) {
    cum += probs[id];
    if (cum < mass) lastInd++;
  }
  lastInd = Math.min(lastInd, order.length - 1);
  const threshold = shifted[order[lastInd]];
  return shifted.map((s, i) => s > threshold && i !== order[0]);
}

// Distinct float32 logits (HF's sorts are not stable, so ties would make the references ambiguous).
const distinctLogits = fc
  .uniqueArray(fc.integer({ min: -4000, max: 4000 }), { minLength: 1, maxLength: 40 })
  .map((xs) => xs.map((x) => Math.fround(x / 400)));

const removed = (out: Float32Array) => [...out].map((v) => v === NEG);

describe('warpers agree with transliterations of HF logits_process.py', () => {
  it('top_p', () => {
    fc.assert(
      fc.property(
        distinctLogits,
        fc.double({ min: 0.05, max: 0.99, noNaN: true }),
        fc.integer({ min: 1, max: 3 }),
        (xs, p, keep) => {
          expect(removed(topP(p, keep)(Float32Array.from(xs), ctx))).toEqual(hfTopP(xs, p, keep));
        },
      ),
      { seed: 7, numRuns: 400 },
    );
  });

  it('top_k', () => {
    fc.assert(
      fc.property(distinctLogits, fc.integer({ min: 1, max: 50 }), (xs, k) => {
        expect(removed(topK(k)(Float32Array.from(xs), ctx))).toEqual(hfTopK(xs, k));
      }),
      { seed: 8, numRuns: 400 },
    );
  });

  it('min_p', () => {
    fc.assert(
      fc.property(distinctLogits, fc.double({ min: 0.01, max: 0.99, noNaN: true }), (xs, m) => {
        expect(removed(minP(m)(Float32Array.from(xs), ctx))).toEqual(hfMinP(xs, m));
      }),
      { seed: 9, numRuns: 400 },
    );
  });

  it('typical_p', () => {
    fc.assert(
      fc.property(distinctLogits, fc.double({ min: 0.05, max: 0.99, noNaN: true }), (xs, mass) => {
        expect(removed(typicalP(mass)(Float32Array.from(xs), ctx))).toEqual(hfTypical(xs, mass));
      }),
      { seed: 10, numRuns: 400 },
    );
  });
});
