// Host-side logits helpers, against the PyTorch reference and hand-computed cases.
import { describe, expect, it } from 'vitest';
import { logSumExp, promptLogprob, topEntries, topProbabilities } from '../src/logits.js';
import { loadReference, referenceLogits } from './fixtures.js';

describe('topEntries', () => {
  it('reproduces the reference top-20 from the reference logits', () => {
    const ref = loadReference();
    for (const c of ref.cases) {
      const top = topEntries(referenceLogits(ref, c), 20);
      expect(top.map(([id]) => id)).toEqual(c.top20.map(([id]) => id));
      for (const [i, [, v]] of top.entries()) expect(v).toBeCloseTo(c.top20[i][1], 5);
    }
  });

  it('orders ties by lower id first', () => {
    expect(topEntries([1, 3, 3, 2, 3], 3)).toEqual([
      [1, 3],
      [2, 3],
      [4, 3],
    ]);
    expect(topEntries([5, 1], 5)).toEqual([
      [0, 5],
      [1, 1],
    ]);
  });
});

describe('logSumExp and topProbabilities', () => {
  it('matches hand-computed values', () => {
    expect(logSumExp([0, 0])).toBeCloseTo(Math.log(2), 12);
    expect(logSumExp([1000, 1000])).toBeCloseTo(1000 + Math.log(2), 9);
    expect(logSumExp([5, 1, 2], 1, 2)).toBeCloseTo(Math.log(Math.E + Math.E ** 2), 12);
    const [a, b] = topProbabilities([0, Math.log(3)], 2);
    expect(a.id).toBe(1);
    expect(a.p).toBeCloseTo(0.75, 12);
    expect(b.p).toBeCloseTo(0.25, 12);
    // temperature 2 halves the logits: p ∝ [1, √3]
    expect(topProbabilities([0, Math.log(3)], 1, 2)[0].p).toBeCloseTo(Math.sqrt(3) / (1 + Math.sqrt(3)), 12);
  });

  it('gives the top of softmax(row / temperature) over a vocabulary-sized row, ties → lower id', () => {
    let seed = 5;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const row = Float32Array.from({ length: 50257 }, () => random() * 30 - 25);
    row[40000] = row[7] = 9.5; // a tie at the top
    for (const t of [0.7, 1, 1.8]) {
      const scaled = Array.from(row, (v) => v / t);
      const lse = logSumExp(scaled);
      const want = topEntries(scaled, 10).map(([id, v]) => ({ id, p: Math.exp(v - lse) }));
      const got = topProbabilities(row, 10, t);
      expect(got.map((c) => c.id)).toEqual(want.map((c) => c.id));
      expect(got[0]!.id).toBe(7);
      for (const [i, c] of got.entries()) expect(c.p).toBeCloseTo(want[i]!.p, 12);
    }
  });
});

describe('promptLogprob', () => {
  it('sums the log-probabilities of tokens 1…T-1 from rows 0…T-2', () => {
    // V = 2; row 0 predicts token 1 (id 1, p = 3/4), row 1 predicts token 2 (id 0, p = 1/2).
    const logits = new Float32Array([0, Math.log(3), 7, 7, 9, 9]);
    expect(promptLogprob([0, 1, 0], logits, 2)).toBeCloseTo(Math.log(0.75) + Math.log(0.5), 6);
    expect(promptLogprob([1], logits, 2)).toBe(0);
  });
});
