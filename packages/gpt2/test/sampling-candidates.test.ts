// Sampling with a top_k reads the model's top k + 1 logits (more with penalties) instead of the 50,257-logit row
// (@gpt2js/sampling's candidates.ts; topk on the device or, on the CPU engines, on the host): the same
// seeded tokens as the whole-row path, on every backend. A logit_bias of +0 on one id changes no logit but
// puts a step before top_k that the candidate path cannot see through, so that run reads the whole row.
import { type CausalLM, runGeneration } from '@gpt2js/sampling';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GPT2LMHeadModel } from '../src/index.js';
import { forEachBackend, MODELS } from './helpers/backends.js';
import { loadReference } from './helpers/reference.js';

const ref = loadReference('gpt2-tiny');

/** The model as a CausalLM that counts the full-row reads and the top-k reads of its logits. */
function counting(model: GPT2LMHeadModel, counts: { read: number; topk: number }): CausalLM {
  return {
    vocabSize: model.vocabSize,
    maxLength: model.maxLength,
    createSession(batch) {
      const session = model.createSession(batch);
      return {
        get length() {
          return session.length;
        },
        reorder: (rows) => session.reorder(rows),
        dispose: () => session.dispose(),
        async forward(ids) {
          const logits = await session.forward(ids);
          return {
            batch: logits.batch,
            vocabSize: logits.vocabSize,
            read: () => {
              counts.read++;
              return logits.read();
            },
            argmax: () => logits.argmax(),
            topk: (k) => {
              counts.topk++;
              return logits.topk(k);
            },
            dispose: () => logits.dispose(),
          };
        },
      };
    },
  };
}

forEachBackend((backend) => {
  let model: GPT2LMHeadModel;
  beforeAll(async () => {
    model = await GPT2LMHeadModel.fromPretrained(`${MODELS}gpt2-tiny`, { backend });
  });
  afterAll(() => model?.dispose());

  it("samples with top_k, or decodes greedily with a penalty, from the top candidates: the whole row's tokens", async () => {
    for (const options of [
      { top_k: 50, seed: 4 },
      { top_k: 50, temperature: 0.8, top_p: 0.95, seed: 12, num_return_sequences: 2 },
      { top_k: 5, temperature: 1.5, seed: 1 },
      { top_k: 2000, seed: 7 },
      { top_k: 50, repetition_penalty: 1.3, presence_penalty: 0.5, seed: 9 },
      { do_sample: false, repetition_penalty: 1.3 },
    ]) {
      const run = { do_sample: true, max_new_tokens: 16, ...options };
      const fastCounts = { read: 0, topk: 0 };
      const fast = await runGeneration(counting(model, fastCounts), ref.cases[0]!.ids, run);
      const wholeCounts = { read: 0, topk: 0 };
      const whole = await runGeneration(counting(model, wholeCounts), ref.cases[0]!.ids, {
        ...run,
        logit_bias: { 13: 0 },
      });
      expect(fast.generatedIds).toEqual(whole.generatedIds);
      for (const ids of fast.generatedIds) expect(ids).toHaveLength(16);
      expect(fastCounts).toEqual({ read: 1, topk: 15 });
      expect(wholeCounts).toEqual({ read: 16, topk: 0 });
    }
  });
});
