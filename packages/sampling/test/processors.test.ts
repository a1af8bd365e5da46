// Each processor against small hand-computed cases and Hugging Face's documented semantics.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bannedNgramTokens,
  composeProcessors,
  epsilonCutoff,
  etaCutoff,
  forcedBos,
  forcedEos,
  logitNormalization,
  minLength,
  minNewTokens,
  minP,
  noBadWords,
  noRepeatNgram,
  type ProcessorContext,
  presenceFrequencyPenalty,
  removeInvalidValues,
  repetitionPenalty,
  sequenceBias,
  suppressTokens,
  suppressTokensAtBegin,
  temperature,
  topK,
  topP,
  typicalP,
} from '../src/index.js';
import { topkHost } from '../src/math.js';

const NEG = Number.NEGATIVE_INFINITY;
const ctx = (inputIds: number[] = [], promptLength = inputIds.length, maxLength = 20): ProcessorContext => ({
  inputIds,
  promptLength,
  maxLength,
});
const f32 = (xs: number[]) => Float32Array.from(xs);
const kept = (out: Float32Array) => [...out.keys()].filter((i) => out[i] !== NEG);
const logOf = (ps: number[]) => f32(ps.map(Math.log));

describe('penalties', () => {
  it('repetition_penalty divides positive and multiplies negative logits of ids in prompt + generated (HF/CTRL)', () => {
    const out = repetitionPenalty(2)(f32([4, -4, 1, 3]), ctx([0, 1, 0], 1));
    expect([...out]).toEqual([2, -8, 1, 3]);
  });

  it('repetition_penalty < 1 encourages repeats', () => {
    expect([...repetitionPenalty(0.5)(f32([4, -4]), ctx([0, 1]))]).toEqual([8, -2]);
  });

  it('presence/frequency penalties count generated tokens only (OpenAI semantics)', () => {
    // prompt [2, 1], generated [1, 1, 3]: id 1 generated twice, id 3 once, id 2 only in the prompt
    const out = presenceFrequencyPenalty(0.5, 0.25)(f32([0, 0, 0, 0]), ctx([2, 1, 1, 1, 3], 2));
    expect([...out]).toEqual([0, -1, 0, -0.75]);
  });
});

describe('no_repeat_ngram_size', () => {
  it('bans the token that would repeat a 3-gram (prompt included)', () => {
    const ids = [1, 2, 3, 4, 1, 2];
    expect(bannedNgramTokens(ids, 3)).toEqual([3]);
    const out = noRepeatNgram(3)(f32([0, 0, 0, 0, 0]), ctx(ids, 2));
    expect(kept(out)).toEqual([0, 1, 2, 4]);
  });

  it('collects every earlier continuation of the current (n-1)-gram', () => {
    expect(bannedNgramTokens([5, 1, 5, 2, 5], 2).sort()).toEqual([1, 2]);
  });

  it('bans nothing while the sequence is shorter than n - 1, and every seen token for n = 1', () => {
    expect(bannedNgramTokens([1], 3)).toEqual([]);
    expect(bannedNgramTokens([3, 1, 3], 1).sort()).toEqual([1, 3]);
  });
});

describe('biases and bans', () => {
  it('sequence_bias adds to single tokens always and to the last token of a matching multi-token sequence', () => {
    const p = sequenceBias([
      [[2], -1],
      [[0, 1], 5],
      [[3, 1], 100],
    ]);
    expect([...p(f32([0, 0, 0, 0]), ctx([7, 0]))]).toEqual([0, 5, -1, 0]);
  });

  it('bad_words_ids bans single tokens and completions of multi-token words, ignoring [eos] like HF', () => {
    const p = noBadWords([[1], [0, 2], [3]], [3]);
    expect([...p(f32([0, 0, 0, 0]), ctx([0]))]).toEqual([0, NEG, NEG, 0]);
    expect([...p(f32([0, 0, 0, 0]), ctx([1]))]).toEqual([0, NEG, 0, 0]);
  });

  it('suppress_tokens bans always; begin_suppress_tokens only at the begin index', () => {
    expect([...suppressTokens([0, 2])(f32([1, 1, 1]), ctx())]).toEqual([NEG, 1, NEG]);
    const begin = suppressTokensAtBegin([1], 3);
    expect([...begin(f32([1, 1]), ctx([9, 9, 9]))]).toEqual([1, NEG]);
    expect([...begin(f32([1, 1]), ctx([9, 9, 9, 9]))]).toEqual([1, 1]);
  });
});

describe('length processors', () => {
  it('min_new_tokens suppresses every eos id until reached', () => {
    const p = minNewTokens(2, [0, 3]);
    expect([...p(f32([5, 1, 1, 5]), ctx([9, 9, 1], 2))]).toEqual([NEG, 1, 1, NEG]);
    expect([...p(f32([5, 1, 1, 5]), ctx([9, 9, 1, 1], 2))]).toEqual([5, 1, 1, 5]);
  });

  it('min_length counts the prompt', () => {
    const p = minLength(3, [0]);
    expect(p(f32([5, 1]), ctx([9, 9]))[0]).toBe(NEG);
    expect(p(f32([5, 1]), ctx([9, 9, 1]))[0]).toBe(5);
  });

  it('forced_bos_token_id applies when the sequence has one token; forced_eos at max_length - 1', () => {
    expect([...forcedBos(2)(f32([5, 5, 1]), ctx([7]))]).toEqual([NEG, NEG, 0]);
    expect([...forcedBos(2)(f32([5, 5, 1]), ctx([7, 0]))]).toEqual([5, 5, 1]);
    expect([...forcedEos([1])(f32([5, 0, 9]), ctx([7, 7], 1, 3))]).toEqual([NEG, 0, NEG]);
    expect([...forcedEos([1])(f32([5, 0, 9]), ctx([7], 1, 3))]).toEqual([5, 0, 9]);
  });

  it('remove_invalid_values maps NaN → 0 and ±Infinity → ±float32 max', () => {
    const out = removeInvalidValues()(f32([Number.NaN, Number.POSITIVE_INFINITY, NEG, 2]), ctx());
    expect([...out]).toEqual([0, 3.4028234663852886e38, -3.4028234663852886e38, 2]);
  });
});

describe('warpers', () => {
  it('temperature divides the logits', () => {
    expect([...temperature(0.5)(f32([1, -2]), ctx())]).toEqual([2, -4]);
  });

  it('top_k keeps the k largest and ties with the k-th (HF: scores < k-th value are removed)', () => {
    expect(kept(topK(2)(f32([1, 3, 2, 0]), ctx()))).toEqual([1, 2]);
    expect(kept(topK(2)(f32([1, 3, 1, 0]), ctx()))).toEqual([0, 1, 2]);
    expect(kept(topK(9)(f32([1, 3]), ctx()))).toEqual([0, 1]);
    expect(kept(topK(1, 2)(f32([1, 3, 2]), ctx()))).toEqual([1, 2]);
  });

  it('top_p keeps the smallest set whose mass reaches p', () => {
    const logits = logOf([0.1, 0.5, 0.15, 0.25]);
    expect(kept(topP(0.5)(logits, ctx()))).toEqual([1]);
    expect(kept(topP(0.7)(logits, ctx()))).toEqual([1, 3]);
    expect(kept(topP(0.74)(logits, ctx()))).toEqual([1, 3]);
    expect(kept(topP(0.76)(logits, ctx()))).toEqual([1, 2, 3]);
    expect(kept(topP(0.95)(logits, ctx()))).toEqual([0, 1, 2, 3]);
  });

  it('top_p never keeps fewer than one token (or min_tokens_to_keep)', () => {
    const logits = logOf([0.97, 0.02, 0.01]);
    expect(kept(topP(0.01)(logits, ctx()))).toEqual([0]);
    expect(kept(topP(0.01, 2)(logits, ctx()))).toEqual([0, 1]);
  });

  it('top_p: property — kept tokens are a top prefix, their mass reaches p, and no smaller prefix does', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 1, maxLength: 30 }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (values, p) => {
          const logits = f32(values);
          const out = topP(p)(logits, ctx());
          const keep = kept(out);
          expect(keep.length).toBeGreaterThanOrEqual(1);
          const max = Math.max(...logits);
          const z = [...logits].reduce((s, v) => s + Math.exp(v - max), 0);
          const prob = (i: number) => Math.exp(logits[i] - max) / z;
          const minKept = Math.min(...keep.map((i) => logits[i]));
          const removed = [...logits.keys()].filter((i) => out[i] === NEG);
          for (const i of removed) expect(logits[i]).toBeLessThanOrEqual(minKept);
          const mass = keep.reduce((s, i) => s + prob(i), 0);
          if (removed.length > 0) expect(mass).toBeGreaterThanOrEqual(p - 1e-9);
          const smallest = Math.min(...keep.map(prob));
          if (keep.length > 1) expect(mass - smallest).toBeLessThan(p + 1e-9);
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });

  it('min_p keeps tokens with probability ≥ min_p × top probability', () => {
    const logits = logOf([0.6, 0.3, 0.1]);
    expect(kept(minP(0.2)(logits, ctx()))).toEqual([0, 1]);
    expect(kept(minP(0.49)(logits, ctx()))).toEqual([0, 1]);
    expect(kept(minP(0.51)(logits, ctx()))).toEqual([0]);
    expect(kept(minP(1, 2)(logits, ctx()))).toEqual([0, 1]);
  });

  it('min_p keeps exactly what exp(l − max) ≥ min_p keeps, near the threshold and with ±Infinity and NaN', () => {
    // the definition: exp for every token, then the min_tokens_to_keep largest logits (ties: lower id)
    const byExp = (logits: Float32Array, m: number, keep: number) => {
      let max = NEG;
      for (const v of logits) if (v > max) max = v;
      const ids = new Set([...logits.keys()].filter((i) => Math.exp(logits[i]! - max) >= m));
      for (const i of topkHost(logits, keep).indices) ids.add(i);
      // a kept −Infinity logit reads as removed in the output
      return [...ids].filter((i) => logits[i] !== NEG).sort((a, b) => a - b);
    };
    const odd = [NEG, Number.POSITIVE_INFINITY, Number.NaN, 0, -1e-30];
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.double({ min: -40, max: 5, noNaN: true }).map((v) => ({ v })),
            fc.constantFrom(...odd).map((v) => ({ v })),
            fc.integer({ min: -4, max: 4 }).map((k) => ({ k })), // a few f32 steps from the threshold
          ),
          { minLength: 1, maxLength: 60 },
        ),
        fc.constantFrom(0.05, 0.1, 0.2, 1 / 3, 0.5, 0.9, 1),
        fc.integer({ min: 1, max: 3 }),
        (items, m, keep) => {
          // with 5 the largest finite logit, 5 + ln(m) + k·2^−21 are adjacent float32 values around the cut
          const logits = Float32Array.from(items, (it) =>
            'k' in it ? Math.fround(5 + Math.log(m) + it.k * 2 ** -21) : it.v,
          );
          logits[0] = 5;
          const out = minP(m, keep)(Float32Array.from(logits), ctx());
          expect(kept(out)).toEqual(byExp(logits, m, keep));
          for (const i of kept(out)) expect(Object.is(out[i], logits[i])).toBe(true);
        },
      ),
      { seed: 5, numRuns: 500 },
    );
  });

  it('typical_p keeps the most typical tokens (closest −log p to the entropy) until the mass is reached', () => {
    // p = [0.4, 0.3, 0.2, 0.1]; H = 1.2799 nats; |−ln p − H| = [0.363, 0.0241, 0.330, 1.023]
    // typicality order: 1 (0.3), 2 (0.2), 0 (0.4), 3 (0.1); cumulative 0.3, 0.5, 0.9, 1.0
    const logits = logOf([0.4, 0.3, 0.2, 0.1]);
    expect(kept(typicalP(0.3)(logits, ctx()))).toEqual([1]);
    expect(kept(typicalP(0.45)(logits, ctx()))).toEqual([1, 2]);
    expect(kept(typicalP(0.6)(logits, ctx()))).toEqual([0, 1, 2]);
    expect(kept(typicalP(0.95)(logits, ctx()))).toEqual([0, 1, 2, 3]);
  });

  it('epsilon_cutoff removes tokens below epsilon; eta_cutoff uses min(eta, √eta·e^−H)', () => {
    const logits = logOf([0.5, 0.3, 0.15, 0.05]);
    expect(kept(epsilonCutoff(0.1)(logits, ctx()))).toEqual([0, 1, 2]);
    // H = 1.1480 nats → √0.1·e^−H = 0.1003; min(0.1, 0.1003) = 0.1
    expect(kept(etaCutoff(0.1)(logits, ctx()))).toEqual([0, 1, 2]);
    // eta 0.2: √0.2·e^−H = 0.1419 < 0.15 → keeps 0.15
    expect(kept(etaCutoff(0.2)(logits, ctx()))).toEqual([0, 1, 2]);
    expect(kept(epsilonCutoff(0.9)(logits, ctx()))).toEqual([0]);
  });

  it('renormalize_logits is a log-softmax', () => {
    const out = logitNormalization()(f32([1, 2, 3]), ctx());
    const z = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    expect(out[0]).toBeCloseTo(1 - z, 6);
    expect(out[2]).toBeCloseTo(3 - z, 6);
  });
});

describe('purity and composition', () => {
  it('no processor mutates its input, and each in-place form matches its pure form', () => {
    const processors = [
      repetitionPenalty(1.3),
      presenceFrequencyPenalty(0.5, 0.5),
      noRepeatNgram(2),
      noBadWords([[1]], []),
      sequenceBias([[[0], 1]]),
      suppressTokens([2]),
      suppressTokensAtBegin([2], 3),
      minNewTokens(5, [0]),
      minLength(9, [0]),
      forcedBos(1),
      forcedEos([0]),
      removeInvalidValues(),
      temperature(0.7),
      topK(2),
      topP(0.5),
      minP(0.3),
      typicalP(0.5),
      epsilonCutoff(0.2),
      etaCutoff(0.2),
      logitNormalization(),
    ];
    const original = [0.5, -1, 2, 0.25];
    for (const p of processors) {
      const input = f32(original);
      const out = p(input, ctx([1, 2, 1], 1, 4));
      expect(out).not.toBe(input);
      expect([...input]).toEqual(original);
      // the in-place form the pipeline uses does the same transformation
      const buffer = f32(original);
      p.inPlace?.(buffer, ctx([1, 2, 1], 1, 4));
      expect([...buffer]).toEqual([...out]);
    }
  });

  it('composeProcessors applies left to right (top_k then top_p differs from the reverse)', () => {
    // p = [0.35, 0.3, 0.2, 0.15]
    const logits = logOf([0.35, 0.3, 0.2, 0.15]);
    // top_k(3) → renormalised [0.412, 0.353, 0.235]; top_p(0.7): 0.412 < 0.7 → keep 0, 0.765 ≥ 0.7 → stop
    expect(kept(composeProcessors(topK(3), topP(0.7))(logits, ctx()))).toEqual([0, 1]);
    // top_p(0.7) first on the raw distribution: 0.35, 0.65 < 0.7 → keeps 3 tokens; top_k(3) keeps them
    expect(kept(composeProcessors(topP(0.7), topK(3))(logits, ctx()))).toEqual([0, 1, 2]);
  });
});
