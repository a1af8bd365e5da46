// Beam search on toy models whose best beams are worked out by hand (HF BeamSearchScorer semantics).

import { describe, expect, it } from 'vitest';
import { BeamHypotheses } from '../src/beam-hypotheses.js';
import { runGeneration, type TokenEvent } from '../src/index.js';
import { logProbs, toyModel } from './toy-models.js';

// ids: 0 EOS, 1 A, 2 B, 3 C, 4 D, 5 S (start). Next-token probabilities by last id.
const TABLE: Record<number, number[]> = {
  5: [0.04, 0.45, 0.35, 0.1, 0.05, 0.01],
  1: [0.1, 0.2, 0.2, 0.25, 0.2, 0.05],
  2: [0.02, 0.02, 0.02, 0.02, 0.9, 0.02],
  3: [1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6],
  4: [1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6],
  0: [1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6],
};
const model = () => toyModel(6, (h) => logProbs(TABLE[h[h.length - 1]]));

describe('beam search', () => {
  it('finds the sequence greedy misses: greedy A C (0.1125), beams B D (0.315)', async () => {
    const greedy = await runGeneration(model(), [5], { max_new_tokens: 2 });
    expect(greedy.generatedIds[0]).toEqual([1, 3]);
    const m = model();
    const beam = await runGeneration(m, [5], {
      max_new_tokens: 2,
      num_beams: 2,
      num_return_sequences: 2,
      eos_token_id: 0,
    });
    expect(beam.generatedIds).toEqual([
      [2, 4],
      [1, 3],
    ]);
    // running beams at max length are scored sum(log p) / length ** length_penalty (1)
    expect(beam.scores?.[0]).toBeCloseTo(Math.log(0.315) / 2, 5);
    expect(beam.scores?.[1]).toBeCloseTo(Math.log(0.1125) / 2, 5);
    expect(beam.finishReasons).toEqual(['length', 'length']);
    expect(beam.sequences[0]).toEqual([5, 2, 4]);
    // the prompt is fed to both beams; both step-1 beams (A, B) descend from beam 0, so row 1 takes
    // row 0's cache before they are fed; the last step needs no reorder
    expect(m.stats.forwards[0]).toEqual([[5], [5]]);
    expect(m.stats.reorders).toEqual([[0, 0]]);
    expect(m.stats.forwards[1]).toEqual([[1], [2]]);
  });

  it('moves caches with session.reorder when a beam takes another beam’s history', async () => {
    // three steps: after step 2 the beams are [B D, A C] (parents [1, 0]) → reorder([1, 0])
    const m = model();
    const result = await runGeneration(m, [5], { max_new_tokens: 3, num_beams: 2 });
    expect(m.stats.reorders).toEqual([
      [0, 0],
      [1, 0],
    ]);
    expect(m.stats.forwards[2]).toEqual([[4], [3]]);
    expect(result.generatedIds[0].slice(0, 2)).toEqual([2, 4]);
    expect(m.stats.disposedSessions).toBe(1);
    expect(m.stats.logitsDisposed).toBe(m.stats.logitsCreated);
  });
});

// ids: 0 EOS, 1 A, 2 B, 3 S. [EOS] has p .5 (length 1); [A, B, EOS] has p .4·.85·.9 = .306 (length 3).
const EOS_TABLE: Record<number, number[]> = {
  3: [0.5, 0.4, 0.05, 0.05],
  1: [0.05, 0.05, 0.85, 0.05],
  2: [0.9, 0.04, 0.03, 0.03],
  0: [0.25, 0.25, 0.25, 0.25],
};
const eosModel = () => toyModel(4, (h) => logProbs(EOS_TABLE[h[h.length - 1]]));

describe('beam search with EOS: length_penalty and early_stopping', () => {
  const base = { num_beams: 2, max_new_tokens: 6, eos_token_id: 0, num_return_sequences: 2 } as const;

  it('length_penalty 1 prefers the longer [A, B, EOS] (ln .306 / 3 = −0.395 > ln .5 = −0.693)', async () => {
    const result = await runGeneration(eosModel(), [3], { ...base, length_penalty: 1 });
    expect(result.generatedIds).toEqual([[1, 2, 0], [0]]);
    expect(result.scores?.[0]).toBeCloseTo(Math.log(0.306) / 3, 5);
    expect(result.scores?.[1]).toBeCloseTo(Math.log(0.5), 5);
    expect(result.finishReasons).toEqual(['eos', 'eos']);
  });

  it('length_penalty 0 ranks by total log-probability: [EOS] wins', async () => {
    const result = await runGeneration(eosModel(), [3], { ...base, length_penalty: 0 });
    expect(result.generatedIds).toEqual([[0], [1, 2, 0]]);
    expect(result.scores?.[1]).toBeCloseTo(Math.log(0.306), 5);
  });

  it('early_stopping true stops once num_beams hypotheses exist (step 2: [EOS] and [B, EOS])', async () => {
    const m = eosModel();
    const result = await runGeneration(m, [3], { ...base, early_stopping: true });
    expect(result.generatedIds).toEqual([[0], [2, 0]]);
    expect(result.scores?.[1]).toBeCloseTo(Math.log(0.05 * 0.9) / 2, 5);
    expect(m.stats.forwards.length).toBe(2);
  });

  it("early_stopping false and 'never' keep searching and agree here", async () => {
    const heuristic = await runGeneration(eosModel(), [3], { ...base, early_stopping: false });
    const never = await runGeneration(eosModel(), [3], { ...base, early_stopping: 'never' });
    expect(heuristic.generatedIds[0]).toEqual([1, 2, 0]);
    expect(never.generatedIds).toEqual(heuristic.generatedIds);
  });

  it('emits the returned sequences as token events at the end, with decoded text', async () => {
    const names = ['', 'A', 'B', 'S'];
    const events: TokenEvent[] = [];
    const result = await runGeneration(eosModel(), [3], {
      ...base,
      decode: (ids) => ids.map((i) => names[i]).join(''),
      onToken: (e) => events.push(e),
    });
    expect(events.map((e) => [e.row, e.index, e.id, e.text])).toEqual([
      [0, 0, 1, 'A'],
      [0, 1, 2, 'B'],
      [0, 2, 0, ''],
      [1, 0, 0, ''],
    ]);
    expect(result.texts).toEqual(['AB', '']);
  });

  it('beam sampling is seeded and returns sorted, valid hypotheses', async () => {
    const options = { ...base, do_sample: true, top_k: 0, seed: 5 } as const;
    const a = await runGeneration(eosModel(), [3], options);
    const b = await runGeneration(eosModel(), [3], options);
    expect(a.generatedIds).toEqual(b.generatedIds);
    expect(a.scores?.[0]).toBeGreaterThanOrEqual(a.scores?.[1] ?? Number.NEGATIVE_INFINITY);
  });
});

describe('BeamHypotheses', () => {
  it('keeps the best num_beams and applies the HF stop rules', () => {
    const h = new BeamHypotheses(2, 1, false, 10);
    h.add([1], -2, 1); // −2
    expect(h.isDone(-0.1, 1)).toBe(false); // fewer than num_beams
    h.add([1, 2], -3, 2); // −1.5
    h.add([1, 2, 3, 4], -10, 4); // −2.5: worse than the worst, not kept
    expect(h.sorted().map((x) => x.score)).toEqual([-1.5, -2]);
    // false: done iff worst (−2) ≥ best_running / cur_len: −5/2 = −2.5 → done; −3/2 = −1.5 → not
    expect(h.isDone(-5, 2)).toBe(true);
    expect(h.isDone(-3, 2)).toBe(false);
    // 'never' with length_penalty > 0 divides by max_new_tokens (10): −5/10 = −0.5 > −2 → not done
    const never = new BeamHypotheses(2, 1, 'never', 10);
    never.add([1], -2, 1);
    never.add([1, 2], -3, 2);
    expect(never.isDone(-5, 2)).toBe(false);
    expect(never.isDone(-25, 2)).toBe(true);
    const early = new BeamHypotheses(2, 1, true, 10);
    early.add([1], -2, 1);
    early.add([2], -9, 1);
    expect(early.isDone(0, 1)).toBe(true);
  });
});
