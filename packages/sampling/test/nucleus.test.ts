// Top-p's kept set by histogram (src/nucleus.ts) against the sorted walk it replaces: the same tokens on
// small rows forced through the histogram, on GPT-2-sized rows (flat, peaked, tied, partly filtered), and at
// near ties with p, where it must hand over to the walk; and that big rows do take the histogram.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topP } from '../src/index.js';
import { SORT_BELOW } from '../src/mass-bins.js';
import { nucleusKeep, nucleusKeepSorted, nucleusSelect } from '../src/nucleus.js';
import { ctx, ids, NEG, namedRows, row, smallRows, VOCAB } from './logit-rows.js';

describe('nucleus by histogram', () => {
  it('keeps what the sorted walk keeps on small rows forced through the histogram (ties, −Infinity, any p)', () => {
    const paths = { histogram: 0, sorted: 0 };
    fc.assert(
      fc.property(
        smallRows,
        fc.double({ min: 1e-6, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 3 }),
        (logits, p, minKeep) => {
          const { keep, path } = nucleusSelect(logits, p, minKeep, 0);
          expect(ids(keep)).toEqual(ids(nucleusKeepSorted(logits, p, minKeep)));
          paths[path]++;
        },
      ),
      { seed: 11, numRuns: 600 },
    );
    // the property exercised the histogram, not only the hand-over to the walk
    expect(paths.histogram).toBeGreaterThan(300);
  });

  it.each(namedRows())('%s: the histogram keeps the sorted walk’s tokens', (_, logits) => {
    for (const p of [0.05, 0.5, 0.9, 0.95, 0.999]) {
      for (const minKeep of [1, 2]) {
        const { keep, path } = nucleusSelect(logits, p, minKeep);
        expect(path, `p ${p}`).toBe('histogram');
        const want = ids(nucleusKeepSorted(logits, p, minKeep));
        expect(ids(keep), `p ${p}, min_tokens_to_keep ${minKeep}`).toEqual(want);
      }
    }
  });

  it('hands a near tie with p to the sorted walk: 4096 equal logits, p = 2048/4096', () => {
    // every probability is 2^−12 exactly, so the mass before token 2048 is exactly 0.5
    const logits = new Float32Array(4096);
    const { keep, path } = nucleusSelect(logits, 0.5, 1);
    expect(path).toBe('sorted');
    expect(ids(keep)).toEqual(Array.from({ length: 2048 }, (_, i) => i));
    // a hair above the tie: decided by the histogram, one token more (ties walk in id order)
    const above = nucleusSelect(logits, 0.5 + 1e-6, 1);
    expect(above.path).toBe('histogram');
    expect(ids(above.keep)).toEqual(Array.from({ length: 2049 }, (_, i) => i));
  });

  it('walks a bin token by token when its mass ends within δ of p (tokens of probability ≪ δ)', () => {
    // one token at 0 and ten at −25 (≈ 1.4e-11 each): p = 1 − 5e-11 keeps the first and about six of the ten
    const logits = Float32Array.from([0, ...new Array(10).fill(-25)]);
    const p = 1 - 5e-11;
    const want = ids(nucleusKeepSorted(logits, p, 1));
    expect(want.length).toBeGreaterThan(2);
    expect(want.length).toBeLessThan(11);
    expect(ids(nucleusSelect(logits, p, 1, 0).keep)).toEqual(want);
  });

  it('takes the sorted walk for NaN, +Infinity, and rows with fewer live tokens than SORT_BELOW', () => {
    const big = row(6, 1);
    const nan = Float32Array.from(big);
    nan[10] = Number.NaN;
    const inf = Float32Array.from(big);
    inf[20] = Number.POSITIVE_INFINITY;
    for (const logits of [nan, inf, big.subarray(0, SORT_BELOW - 1)]) {
      const { keep, path } = nucleusSelect(logits, 0.9, 1);
      expect(path).toBe('sorted');
      expect(ids(keep)).toEqual(ids(nucleusKeepSorted(logits, 0.9, 1)));
    }
    expect(ids(nucleusKeep(inf, 0.9, 1))).toEqual([20]);
  });

  it('top_p on a GPT-2-sized row masks exactly the tokens outside the walk’s nucleus', () => {
    const logits = row(7, 2, 30);
    const out = topP(0.9)(Float32Array.from(logits), ctx);
    const keep = nucleusKeepSorted(logits, 0.9, 1);
    expect(ids(keep).length).toBeGreaterThan(100);
    for (let i = 0; i < VOCAB; i++) expect(out[i]).toBe(keep[i] ? logits[i] : NEG);
  });
});
