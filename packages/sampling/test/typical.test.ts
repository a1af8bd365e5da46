// Typical-p's kept set by histogram (src/typical.ts) against the sorted walk it replaces: the same tokens on
// small rows forced through the histogram, on GPT-2-sized rows (flat, peaked, tied, partly filtered) with
// min_tokens_to_keep, and at near ties with the mass, where it must hand over to the walk.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { typicalP } from '../src/index.js';
import { SORT_BELOW } from '../src/mass-bins.js';
import { typicalKeep, typicalKeepSorted, typicalSelect } from '../src/typical.js';
import { ctx, ids, NEG, namedRows, row, smallRows, VOCAB } from './logit-rows.js';

describe('typical-p by histogram', () => {
  it('keeps what the sorted walk keeps on small rows forced through the histogram (ties, −Infinity, any mass)', () => {
    const paths = { histogram: 0, sorted: 0 };
    fc.assert(
      fc.property(
        smallRows,
        fc.double({ min: 1e-6, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 4 }),
        (logits, mass, minKeep) => {
          const { keep, path } = typicalSelect(logits, mass, minKeep, 0);
          expect(ids(keep)).toEqual(ids(typicalKeepSorted(logits, mass, minKeep)));
          paths[path]++;
        },
      ),
      { seed: 13, numRuns: 800 },
    );
    // the property exercised the histogram, not only the hand-over to the walk
    expect(paths.histogram).toBeGreaterThan(400);
  });

  it.each(namedRows())('%s: the histogram keeps the sorted walk’s tokens', (_, logits) => {
    for (const mass of [0.05, 0.2, 0.5, 0.9, 0.95, 0.999]) {
      for (const minKeep of [1, 2, 40]) {
        const { keep, path } = typicalSelect(logits, mass, minKeep);
        expect(path, `mass ${mass}`).toBe('histogram');
        const want = ids(typicalKeepSorted(logits, mass, minKeep));
        expect(ids(keep), `mass ${mass}, min_tokens_to_keep ${minKeep}`).toEqual(want);
      }
    }
  });

  it('keeps the tokens tied with the last one walked, past the mass', () => {
    // 300 tokens at 0, 3000 at −3 (one key each): a mass inside the first group keeps all 300, one past it
    // every tied token of the second group as well
    const logits = new Float32Array(3300).fill(-3);
    logits.fill(0, 0, 300);
    const first = typicalSelect(logits, 0.05, 1, 0);
    const second = typicalSelect(logits, 0.99, 1, 0);
    for (const [{ keep, path }, mass] of [
      [first, 0.05],
      [second, 0.99],
    ] as const) {
      expect(path).toBe('histogram');
      expect(ids(keep)).toEqual(ids(typicalKeepSorted(logits, mass, 1)));
    }
    // which group is more typical depends on the entropy; either way a whole group is kept
    expect([300, 3000, 3300]).toContain(ids(first.keep).length);
    expect(ids(second.keep).length).toBe(3300);
  });

  it('walks a bin token by token when its mass ends within δ of the mass (tokens of probability ≪ δ)', () => {
    // one token at 0 (the most typical) and ten at −25 (≈ 1.4e-11 each): mass 1 − 5e-11 keeps some of the ten
    const logits = Float32Array.from([0, ...new Array(10).fill(-25)]);
    const mass = 1 - 5e-11;
    const want = ids(typicalKeepSorted(logits, mass, 1));
    expect(ids(typicalSelect(logits, mass, 1, 0).keep)).toEqual(want);
  });

  it('hands a near tie with the mass to the sorted walk: 4096 equal logits, mass 2048/4096', () => {
    // every probability is 2^−12 and every key the same, so the mass before token 2048 is exactly 0.5
    const logits = new Float32Array(4096);
    const { keep, path } = typicalSelect(logits, 0.5, 1);
    expect(path).toBe('sorted');
    // all 4096 share the last walked token's key
    expect(ids(keep).length).toBe(4096);
    expect(typicalSelect(logits, 0.5 + 1e-6, 1).path).toBe('histogram');
  });

  it('takes the sorted walk for NaN, +Infinity, a mass the live tokens cannot reach, and small rows', () => {
    const big = row(6, 1);
    const nan = Float32Array.from(big);
    nan[10] = Number.NaN;
    const inf = Float32Array.from(big);
    inf[20] = Number.POSITIVE_INFINITY;
    for (const [logits, mass] of [
      [nan, 0.9],
      [inf, 0.9],
      [big, 1],
      [big.subarray(0, SORT_BELOW - 1), 0.9],
    ] as const) {
      const { keep, path } = typicalSelect(logits, mass, 1);
      expect(path).toBe('sorted');
      expect(ids(keep)).toEqual(ids(typicalKeepSorted(logits, mass, 1)));
    }
  });

  it('typical_p on a GPT-2-sized row masks exactly the tokens outside the walk’s set', () => {
    const logits = row(7, 2, 30);
    const out = typicalP(0.9)(Float32Array.from(logits), ctx);
    const keep = typicalKeepSorted(logits, 0.9, 1);
    expect(ids(keep).length).toBeGreaterThan(100);
    expect(ids(typicalKeep(logits, 0.9, 1))).toEqual(ids(keep));
    for (let i = 0; i < VOCAB; i++) expect(out[i]).toBe(keep[i] ? logits[i] : NEG);
  });
});
