// The processor list built from options: Hugging Face's order, and which steps are included.

import { describe, expect, it } from 'vitest';
import {
  buildLogitsPipeline,
  composeProcessors,
  minNewTokens,
  repetitionPenalty,
  temperature,
  topK,
  topP,
  validateGenerationOptions,
} from '../src/index.js';

describe('buildLogitsPipeline', () => {
  it("follows HF _get_logits_processor's order with every option set", () => {
    const config = validateGenerationOptions({
      do_sample: true,
      renormalize_logits: true,
      eta_cutoff: 0.01,
      epsilon_cutoff: 0.01,
      typical_p: 0.9,
      min_p: 0.05,
      top_p: 0.9,
      top_k: 40,
      temperature: 0.7,
      begin_suppress_tokens: [3],
      suppress_tokens: [4],
      remove_invalid_values: true,
      forced_eos_token_id: 0,
      forced_bos_token_id: 1,
      min_new_tokens: 2,
      min_length: 3,
      bad_words_ids: [[5]],
      no_repeat_ngram_size: 2,
      frequency_penalty: 0.1,
      repetition_penalty: 1.2,
      logit_bias: { 6: 1 },
      eos_token_id: 0,
    });
    const pipeline = buildLogitsPipeline(config, { sampling: true, promptLength: 4, minTokensToKeep: 1 });
    expect(pipeline.steps.map((s) => s.name)).toEqual([
      'sequence_bias',
      'repetition_penalty',
      'presence_penalty/frequency_penalty',
      'no_repeat_ngram_size',
      'bad_words_ids',
      'min_length',
      'min_new_tokens',
      'forced_bos_token_id',
      'forced_eos_token_id',
      'remove_invalid_values',
      'suppress_tokens',
      'begin_suppress_tokens',
      'temperature',
      'top_k',
      'top_p',
      'min_p',
      'typical_p',
      'epsilon_cutoff',
      'eta_cutoff',
      'renormalize_logits',
    ]);
  });

  it('leaves out no-op settings and the warpers when not sampling (HF defaults: top_k 50 only when sampling)', () => {
    const greedy = buildLogitsPipeline(validateGenerationOptions({ temperature: 0.5, top_p: 0.5 }), {
      sampling: false,
      promptLength: 1,
      minTokensToKeep: 1,
    });
    expect(greedy.steps).toEqual([]);
    const sampled = buildLogitsPipeline(validateGenerationOptions({ do_sample: true }), {
      sampling: true,
      promptLength: 1,
      minTokensToKeep: 1,
    });
    expect(sampled.steps.map((s) => s.name)).toEqual(['top_k']);
    // min_new_tokens without any eos id does nothing, as in HF
    const noEos = buildLogitsPipeline(validateGenerationOptions({ min_new_tokens: 3 }), {
      sampling: false,
      promptLength: 1,
      minTokensToKeep: 1,
    });
    expect(noEos.steps).toEqual([]);
  });

  it('applies the steps in order: equals the hand-composed HF chain', () => {
    const config = validateGenerationOptions({
      do_sample: true,
      repetition_penalty: 2,
      temperature: 0.5,
      top_k: 3,
      top_p: 0.8,
      min_new_tokens: 1,
      eos_token_id: 0,
    });
    const pipeline = buildLogitsPipeline(config, { sampling: true, promptLength: 2, minTokensToKeep: 1 });
    const logits = Float32Array.from([3, 1, 2, -1, 0.5]);
    const ctx = { inputIds: [2, 3], promptLength: 2, maxLength: 10 };
    const manual = composeProcessors(
      repetitionPenalty(2),
      minNewTokens(1, [0]),
      temperature(0.5),
      topK(3),
      topP(0.8),
    );
    expect([...pipeline.apply(logits, ctx)]).toEqual([...manual(logits, ctx)]);
    // by hand: penalty → [3, 1, 1, -2, 0.5]; eos banned → [-inf, 1, 1, -2, 0.5]; /0.5 → [-inf, 2, 2, -4, 1];
    // top-3 keeps 2, 2, 1; softmax → [0.422, 0.422, 0.155]; top_p 0.8 keeps ids 1 and 2
    const out = pipeline.apply(logits, ctx);
    expect([...out].map((v) => (v === Number.NEGATIVE_INFINITY ? null : v))).toEqual([
      null,
      2,
      2,
      null,
      null,
    ]);
    // apply left its input alone; applyInPlace gives the same row, written into the one it was given
    expect([...logits]).toEqual([3, 1, 2, -1, 0.5]);
    const owned = logits.slice();
    const inPlace = pipeline.applyInPlace(owned, ctx);
    expect([...inPlace]).toEqual([...out]);
    expect(inPlace).toBe(owned);
  });

  it('reports when a step can change the argmax (for the greedy fast path)', () => {
    const config = validateGenerationOptions({ min_new_tokens: 2, eos_token_id: 0, presence_penalty: 1 });
    const pipeline = buildLogitsPipeline(config, { sampling: false, promptLength: 3, minTokensToKeep: 1 });
    expect(pipeline.affectsArgmax({ inputIds: [1, 2, 3], promptLength: 3, maxLength: 9 })).toBe(true);
    expect(pipeline.affectsArgmax({ inputIds: [1, 2, 3, 4, 5], promptLength: 3, maxLength: 9 })).toBe(true);
    const onlyMin = buildLogitsPipeline(validateGenerationOptions({ min_new_tokens: 2, eos_token_id: 0 }), {
      sampling: false,
      promptLength: 3,
      minTokensToKeep: 1,
    });
    expect(onlyMin.affectsArgmax({ inputIds: [1, 2, 3, 4], promptLength: 3, maxLength: 9 })).toBe(true);
    expect(onlyMin.affectsArgmax({ inputIds: [1, 2, 3, 4, 5], promptLength: 3, maxLength: 9 })).toBe(false);
  });

  it('says when a sampled step depends only on the k largest logits (candidates.ts)', () => {
    const setup = { sampling: true, promptLength: 3, minTokensToKeep: 1 };
    const ctx = (n: number) => ({ inputIds: [1, 2, 3, 4, 5, 6].slice(0, n), promptLength: 3, maxLength: 9 });
    const build = (options: object, s = setup) =>
      buildLogitsPipeline(validateGenerationOptions({ do_sample: true, ...options }), s);

    const ids = Int32Array.of(2, 7);
    const warm = build({ top_k: 5, temperature: 2, top_p: 0.9 }).candidates(ctx(3));
    expect([warm?.k, warm?.extra]).toEqual([5, 0]);
    expect([...(warm?.order(Float32Array.of(4, 2)) ?? [])]).toEqual([2, 1]);
    expect([...(warm?.before(Float32Array.of(4, 2), ids) ?? [])]).toEqual([2, 1]);
    expect([...(build({ top_k: 5 }).candidates(ctx(3))?.before(Float32Array.of(4, 2), ids) ?? [])]).toEqual([
      4, 2,
    ]);
    // top_k raised to minTokensToKeep (beam sampling keeps at least #eos + 1)
    expect(build({ top_k: 1 }, { ...setup, minTokensToKeep: 3 }).candidates(ctx(3))?.k).toBe(3);
    // penalties that can only lower: the ids they touch widen the candidates; applied by id
    const penalised = build({ top_k: 5, repetition_penalty: 2, temperature: 2 }).candidates(ctx(3));
    expect(penalised?.extra).toBe(3); // ids 1, 2, 3
    expect([...(penalised?.order(Float32Array.of(4, 2)) ?? [])]).toEqual([2, 1]);
    expect([...(penalised?.before(Float32Array.of(4, 2), ids) ?? [])]).toEqual([1, 1]); // id 2 halved
    const presence = build({ top_k: 5, presence_penalty: 1, frequency_penalty: 0.5 }).candidates(ctx(6));
    expect(presence?.extra).toBe(3); // generated 4, 5, 6
    expect(build({ top_k: 5, presence_penalty: 1 }).candidates(ctx(3))?.extra).toBe(0); // nothing generated yet
    // no top_k, or a step before it that may raise a logit or is not a penalty
    expect(build({ top_k: 0, top_p: 0.9 }).candidates(ctx(3))).toBeUndefined();
    expect(build({ top_k: 5, repetition_penalty: 0.8 }).candidates(ctx(3))).toBeUndefined();
    expect(build({ top_k: 5, frequency_penalty: -0.5 }).candidates(ctx(4))).toBeUndefined();
    expect(build({ top_k: 5, logit_bias: { 3: 1 } }).candidates(ctx(3))).toBeUndefined();
    expect(build({ top_k: 5, remove_invalid_values: true }).candidates(ctx(3))).toBeUndefined();
    // min_new_tokens changes the row only until 2 tokens are generated
    const min = build({ top_k: 5, min_new_tokens: 2, eos_token_id: 0 });
    expect(min.candidates(ctx(4))).toBeUndefined();
    expect(min.candidates(ctx(5))?.k).toBe(5);
  });
});
