// Sampling from the top candidates (src/candidates.ts): the same ids as the whole-row definition (the
// pipeline on the full row, then the float64 CDF draw), with the model's top k + 1 read instead of the row
// wherever the pipeline allows it, and the whole row wherever it does not.

import { describe, expect, it } from 'vitest';
import { candidateRow } from '../src/candidates.js';
import {
  argmax,
  buildLogitsPipeline,
  createRng,
  type GenerationOptions,
  runGeneration,
  type StepEvent,
  sampleFromLogits,
  topkHost,
  validateGenerationOptions,
} from '../src/index.js';
import { toyModel } from './toy-models.js';

const VOCAB = 400;
const PROMPT = [3, 1, 4];

/** Logits as a deterministic function of the history: a SplitMix-seeded row of values in (−8, 8). */
function hashedRow(history: readonly number[]): Float32Array {
  let seed = 17;
  for (const id of history) seed = (seed * 31 + id + 1) % 2147483647;
  const rng = createRng(seed);
  return Float32Array.from({ length: VOCAB }, () => (rng.nextFloat64() - 0.5) * 16);
}

/** What sampling means, step by step: every row's whole logits through the pipeline, then one draw. */
function definition(
  next: (history: readonly number[]) => Float32Array,
  options: GenerationOptions & { seed: number; max_new_tokens: number },
): number[][] {
  const config = validateGenerationOptions({ do_sample: true, ...options });
  const pipeline = buildLogitsPipeline(config, {
    sampling: true,
    promptLength: PROMPT.length,
    minTokensToKeep: 1,
  });
  const rng = createRng(options.seed);
  const rows = Array.from({ length: config.num_return_sequences }, () => [...PROMPT]);
  for (let step = 0; step < options.max_new_tokens; step++) {
    const chosen = rows.map((ids) => {
      const ctx = {
        inputIds: ids,
        promptLength: PROMPT.length,
        maxLength: PROMPT.length + options.max_new_tokens,
      };
      return sampleFromLogits(pipeline.apply(next(ids), ctx), rng);
    });
    for (const [r, id] of chosen.entries()) rows[r].push(id);
  }
  return rows.map((ids) => ids.slice(PROMPT.length));
}

async function sampled(next: (history: readonly number[]) => Float32Array, options: GenerationOptions) {
  const model = toyModel(VOCAB, next, 64);
  const result = await runGeneration(model, PROMPT, { do_sample: true, ...options });
  return { ids: result.generatedIds, stats: model.stats };
}

describe('sampling from the top candidates', () => {
  const steps = 12;
  const cases: GenerationOptions[] = [
    { top_k: 20 },
    { top_k: 20, temperature: 0.7 },
    { top_k: 50, temperature: 1.3, top_p: 0.8 },
    { top_k: 30, min_p: 0.05 },
    { top_k: 30, typical_p: 0.7 },
    { top_k: 25, epsilon_cutoff: 0.01 },
    { top_k: 25, eta_cutoff: 0.01 },
    { top_k: 10, temperature: 0.5, renormalize_logits: true },
    { top_k: 20, top_p: 0.9, num_return_sequences: 3 },
    { top_k: 1 },
    // penalties that can only lower a logit: the candidates widen by the ids they touch
    { top_k: 20, repetition_penalty: 1.3 },
    { top_k: 20, repetition_penalty: 2, temperature: 0.7, top_p: 0.9 },
    { top_k: 10, presence_penalty: 0.8, frequency_penalty: 0.4 },
    { top_k: 10, repetition_penalty: 1.2, presence_penalty: 1, num_return_sequences: 3 },
  ];
  for (const options of cases) {
    it(`draws the whole row's ids and reads only its top candidates after step 0: ${JSON.stringify(options)}`, async () => {
      const run = { ...options, seed: 7, max_new_tokens: steps };
      const { ids, stats } = await sampled(hashedRow, run);
      expect(ids).toEqual(definition(hashedRow, run));
      expect(stats.reads).toBe(1);
      expect(stats.topkCalls).toBe(steps - 1);
    });
  }

  it('decodes greedily with penalties from the top candidates: the argmax of the whole processed row', async () => {
    // the prompt's ids have the largest raw logits, so every step's argmax is decided by the penalties
    const seenOnTop = (h: readonly number[]) => {
      const row = hashedRow(h);
      for (const [i, id] of PROMPT.entries()) row[id] = 9.5 - i / 4;
      return row;
    };
    for (const options of [
      { repetition_penalty: 1.3 },
      { repetition_penalty: 3, presence_penalty: 0.5, frequency_penalty: 0.5 },
    ]) {
      const config = validateGenerationOptions(options);
      const pipeline = buildLogitsPipeline(config, { sampling: false, promptLength: 3, minTokensToKeep: 1 });
      const want = [...PROMPT];
      for (let step = 0; step < steps; step++) {
        const ctx = { inputIds: want, promptLength: PROMPT.length, maxLength: PROMPT.length + steps };
        want.push(argmax(pipeline.apply(seenOnTop(want), ctx)));
      }
      const model = toyModel(VOCAB, seenOnTop, 64);
      const result = await runGeneration(model, PROMPT, { ...options, max_new_tokens: steps });
      expect(result.generatedIds[0]).toEqual(want.slice(PROMPT.length));
      // the penalties decided: the raw argmax (a prompt token) was never taken
      expect(result.generatedIds[0]).not.toContain(3);
      expect(model.stats.reads).toBe(1);
      expect(model.stats.topkCalls).toBe(steps - 1);
      expect(model.stats.argmaxCalls).toBe(0);
    }
    // a penalty below 1 raises the logits it touches: the whole row, every step
    const model = toyModel(VOCAB, hashedRow, 64);
    await runGeneration(model, PROMPT, { repetition_penalty: 0.8, max_new_tokens: steps });
    expect(model.stats.reads).toBe(steps);
  });

  it('reads the whole row when a step before top_k may raise a logit, or without a top_k', async () => {
    for (const options of [
      { top_k: 20, repetition_penalty: 0.8 },
      { top_k: 20, frequency_penalty: -0.3 },
      { top_k: 20, logit_bias: { 7: 2 } },
      { top_k: 0, top_p: 0.9 },
    ]) {
      const run = { ...options, seed: 3, max_new_tokens: steps };
      const { ids, stats } = await sampled(hashedRow, run);
      expect(ids).toEqual(definition(hashedRow, run));
      expect(stats.reads).toBe(steps);
      expect(stats.topkCalls).toBe(0);
    }
  });

  it('reads the whole row while min_new_tokens bans EOS, and the top candidates after', async () => {
    // EOS (id 0) far below every other logit: once allowed it is never among the top 20
    const next = (h: readonly number[]) => {
      const row = hashedRow(h);
      row[0] = -100;
      return row;
    };
    const run = { top_k: 20, eos_token_id: 0, min_new_tokens: 4, seed: 5, max_new_tokens: steps };
    const { ids, stats } = await sampled(next, run);
    expect(ids).toEqual(definition(next, run));
    expect(stats.reads).toBe(4); // steps 0–3: fewer than 4 new tokens
    expect(stats.topkCalls).toBe(steps - 4);
  });

  it('reads the whole row when the (k + 1)-th logit ties the k-th, so top_k keeps both', async () => {
    const k = 8;
    const next = (h: readonly number[]) => {
      const row = hashedRow(h);
      const top = topkHost(row, k + 1);
      row[top.indices[k]] = top.values[k - 1];
      return row;
    };
    const run = { top_k: k, seed: 11, max_new_tokens: steps };
    const config = validateGenerationOptions({ do_sample: true, top_k: k });
    const pipeline = buildLogitsPipeline(config, { sampling: true, promptLength: 3, minTokensToKeep: 1 });
    const kept = pipeline.apply(next(PROMPT), { inputIds: PROMPT, promptLength: 3, maxLength: 20 });
    expect(kept.filter((v) => v > Number.NEGATIVE_INFINITY)).toHaveLength(k + 1);
    const { ids, stats } = await sampled(next, run);
    expect(ids).toEqual(definition(next, run));
    expect(stats.reads).toBe(steps);
  });

  it('reads the whole row when the temperature rounds the k-th and (k + 1)-th logits to one value', async () => {
    // two neighbouring float32 logits that one float32 division by 0.9 maps to the same value
    const t = 0.9;
    const pair = new Float32Array(2);
    let a = 1.999;
    for (;;) {
      pair[0] = a;
      const below = new Float32Array(new Uint32Array([new Uint32Array(pair.buffer)[0] - 1]).buffer)[0];
      const scaled = Float32Array.of(pair[0] / t, below / t);
      if (scaled[0] === scaled[1]) {
        pair[1] = below;
        break;
      }
      a += 1e-4;
    }
    expect(pair[0]).toBeGreaterThan(pair[1]);
    const k = 5;
    const next = (h: readonly number[]) => {
      const row = hashedRow(h).map((v) => Math.min(v, 1)); // every other logit below the pair
      const top = topkHost(row, k + 1);
      row[top.indices[k - 1]] = pair[0];
      row[top.indices[k]] = pair[1];
      for (let i = 0; i < k - 1; i++) row[top.indices[i]] = 3 + i;
      return row;
    };
    const run = { top_k: k, temperature: t, seed: 2, max_new_tokens: steps };
    const { ids, stats } = await sampled(next, run);
    expect(ids).toEqual(definition(next, run));
    expect(stats.reads).toBe(steps);
  });

  it('has no candidates when the top is short, padded or tied at the edge', () => {
    const same = (v: Float32Array) => v;
    const plan = { k: 2, extra: 0, order: same, before: same, after: same };
    const top = (indices: number[], values: number[]) => ({
      indices: Int32Array.from(indices),
      values: Float32Array.from(values),
    });
    expect(candidateRow(top([5, 3, 9], [4, 2, 1]), plan)).toEqual({
      ids: Int32Array.from([3, 5]),
      logits: Float32Array.from([2, 4]),
    });
    // a pad of a row with fewer values than k + 1 that are not NaN (index −1), a short top, a tie
    expect(candidateRow(top([5, 3, -1], [4, 2, -3e38]), plan)).toBeUndefined();
    expect(candidateRow(top([5, 3], [4, 2]), plan)).toBeUndefined();
    expect(candidateRow(top([5, 3, 9], [4, 2, 2]), plan)).toBeUndefined();
    // with one id a penalty may lower (extra 1): the top 3 are candidates, the 4th bounds the rest
    const penalised = {
      ...plan,
      extra: 1,
      before: (v: Float32Array) => v.map((x, j) => (j === 2 ? x - 5 : x)),
    };
    expect(candidateRow(top([5, 3, 9, 1], [4, 3, 2, 1]), penalised)?.ids).toEqual(Int32Array.from([3, 5, 9]));
    // the penalised token falls to −1 and the 2nd best unpenalised value (2) does not beat the bound (2)
    expect(
      candidateRow(top([5, 3, 9, 1], [4, 3, 2, 2]), {
        ...penalised,
        before: (v) => v.map((x, j) => (j === 1 ? x - 5 : x)),
      }),
    ).toBeUndefined();
  });

  it('serves onStep from the same read, with the raw top stepTopK even when it is more than k + 1', async () => {
    const model = toyModel(VOCAB, hashedRow, 64);
    const events: StepEvent[] = [];
    await runGeneration(model, PROMPT, {
      do_sample: true,
      top_k: 4,
      seed: 9,
      max_new_tokens: 5,
      stepTopK: 12,
      onStep: (e) => events.push(e),
    });
    expect(model.stats.reads).toBe(1);
    expect(model.stats.topkCalls).toBe(4);
    expect(events).toHaveLength(5);
    let history = [...PROMPT];
    for (const e of events) {
      const expected = topkHost(hashedRow(history), 12);
      expect(Array.from(e.topk[0].indices)).toEqual(Array.from(expected.indices));
      expect(Array.from(e.topk[0].values)).toEqual(Array.from(expected.values));
      const chosen = e.ids?.[0];
      expect(chosen).toBeTypeOf('number');
      history = [...history, chosen as number];
    }
  });
});
