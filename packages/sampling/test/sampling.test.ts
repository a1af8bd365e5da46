// Multinomial sampling: a chi-square goodness-of-fit test over many seeded draws, determinism, and
// sampling without replacement.

import { describe, expect, it } from 'vitest';
import { createRng, sampleFromLogits, sampleWithoutReplacement } from '../src/index.js';
import { drawWithoutReplacement } from '../src/select.js';

/** Pearson's statistic Σ (observed − expected)² / expected. */
function chiSquare(counts: number[], probs: number[], n: number): number {
  return counts.reduce((s, c, i) => s + (c - n * probs[i]) ** 2 / (n * probs[i]), 0);
}

// Upper 0.1% critical values of the chi-square distribution (NIST/SEMATECH e-Handbook, table 1.3.6.7.4).
const CHI2_999 = { 3: 16.266, 5: 20.515 } as const;

describe('sampleFromLogits', () => {
  const probs = [0.05, 0.1, 0.15, 0.2, 0.25, 0.25];
  const logits = Float32Array.from(probs, (p) => Math.log(p) + 3); // a shift must not matter

  it('passes a chi-square test against softmax(logits) (60,000 draws, df 5, α = 0.001)', () => {
    const rng = createRng(2024);
    const n = 60_000;
    const counts = new Array(probs.length).fill(0);
    for (let i = 0; i < n; i++) counts[sampleFromLogits(logits, rng)]++;
    const stat = chiSquare(counts, probs, n);
    expect(stat).toBeLessThan(CHI2_999[5]);
    // the same test rejects a wrong distribution: these counts against uniform probabilities
    expect(chiSquare(counts, new Array(6).fill(1 / 6), n)).toBeGreaterThan(CHI2_999[5] * 50);
  });

  it('never draws a −Infinity token and returns −1 when all are −Infinity', () => {
    const rng = createRng(5);
    const masked = Float32Array.from([0, Number.NEGATIVE_INFINITY, 0, Number.NEGATIVE_INFINITY]);
    for (let i = 0; i < 2000; i++) expect([0, 2]).toContain(sampleFromLogits(masked, rng));
    expect(sampleFromLogits(Float32Array.from([Number.NEGATIVE_INFINITY]), rng)).toBe(-1);
  });

  it('maps a draw u to the first id whose cumulative probability exceeds u (inverse CDF)', () => {
    // probabilities 1/4, 3/4: ids are 0 iff u < 0.25
    const two = Float32Array.from([0, Math.log(3)]);
    const rng = createRng(99);
    const reference = createRng(99);
    for (let i = 0; i < 500; i++)
      expect(sampleFromLogits(two, rng)).toBe(reference.nextFloat64() < 0.25 ? 0 : 1);
  });

  it('is deterministic for a seed', () => {
    const a = createRng(11);
    const b = createRng(11);
    const draws = (r: typeof a) => Array.from({ length: 200 }, () => sampleFromLogits(logits, r));
    expect(draws(a)).toEqual(draws(b));
    expect(draws(createRng(11))).not.toEqual(draws(createRng(12)));
  });
});

/** The three passes over the whole row that sampleFromLogits computes (before it listed the live ids). */
function sampleWholeRow(logits: ArrayLike<number>, rng: { nextFloat64(): number }): number {
  const NEG = Number.NEGATIVE_INFINITY;
  let max = NEG;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  if (max === NEG) return -1;
  let total = 0;
  for (let i = 0; i < logits.length; i++) if (logits[i] !== NEG) total += Math.exp(logits[i] - max);
  const target = rng.nextFloat64() * total;
  let cumulative = 0;
  let lastPositive = -1;
  for (let i = 0; i < logits.length; i++) {
    if (logits[i] === NEG) continue;
    const w = Math.exp(logits[i] - max);
    if (w <= 0) continue;
    cumulative += w;
    lastPositive = i;
    if (cumulative > target) return i;
  }
  return lastPositive;
}

describe('sampleFromLogits over its list of live ids', () => {
  it('draws what the whole-row passes draw: masked, full, tied, NaN and ±Infinity rows, shrinking and growing', () => {
    const NEG = Number.NEGATIVE_INFINITY;
    const gen = createRng(77);
    const rows: Float32Array[] = [];
    for (const length of [50_257, 7, 1000, 50_257, 3]) {
      const row = Float32Array.from({ length }, () => gen.nextFloat64() * 20 - 10);
      rows.push(row);
      // top_k 50-like: all but 50 ids filtered
      rows.push(row.map((v, i) => (i % Math.max(1, Math.floor(length / 50)) === 0 ? v : NEG)));
      rows.push(row.map((v) => Math.round(v))); // ties
    }
    const odd = Float32Array.from([0, NEG, Number.NaN, 1, Number.POSITIVE_INFINITY, 2]);
    rows.push(
      odd,
      odd.map((v) => (Number.isNaN(v) ? 0 : v)),
      Float32Array.from([NEG, NEG]),
    );
    for (const [r, row] of rows.entries()) {
      const a = createRng(100 + r);
      const b = createRng(100 + r);
      for (let k = 0; k < 200; k++) expect(sampleFromLogits(row, a), `row ${r}`).toBe(sampleWholeRow(row, b));
    }
  });
});

describe('sampleWithoutReplacement', () => {
  it('returns distinct indices with positive weight, stopping when they run out', () => {
    const rng = createRng(3);
    const picked = sampleWithoutReplacement(Float64Array.from([1, 0, 2, 3]), 5, rng);
    expect(picked.length).toBe(3);
    expect([...picked].sort()).toEqual([0, 2, 3]);
  });

  it('draws the first pick with probability proportional to weight (chi-square, df 3)', () => {
    const weights = Float64Array.from([1, 2, 3, 4]);
    const rng = createRng(77);
    const n = 20_000;
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) counts[sampleWithoutReplacement(weights, 2, rng)[0]]++;
    expect(chiSquare(counts, [0.1, 0.2, 0.3, 0.4], n)).toBeLessThan(CHI2_999[3]);
  });

  it('leaves its weights alone; drawWithoutReplacement draws the same, zeroing what it drew in place', () => {
    const weights = Float64Array.from({ length: 50 }, (_, i) => ((i * 37) % 11) + 0.5);
    for (let seed = 1; seed <= 20; seed++) {
      const copy = weights.slice();
      const picked = sampleWithoutReplacement(weights, 6, createRng(seed));
      expect(weights).toEqual(copy);
      const scratch = weights.slice();
      expect(drawWithoutReplacement(scratch, 6, createRng(seed))).toEqual(picked);
      for (let i = 0; i < weights.length; i++) expect(scratch[i]).toBe(picked.includes(i) ? 0 : weights[i]);
    }
  });
});
