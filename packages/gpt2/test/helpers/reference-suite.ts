// Every number in a fixture's PyTorch reference, on every Node backend: last-position logits (all 50257,
// within 1e-3), top-20, prompt log-probabilities (logitsFor 'all'), per-layer hidden states, and the greedy
// continuations through sampling's `generate` with the real model (near-ties accepted, see checkGreedy).
import { runGeneration } from '@gpt2js/sampling';
import { type BackendName, takeRows, topk } from '@gpt2js/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GPT2LMHeadModel } from '../../src/index.js';
import { forEachBackend, MODELS } from './backends.js';
import { checkGreedy, loadReference, logProb, maxAbsDiff } from './reference.js';

/** Defines the reference suite of one fixture on every backend (one test file per fixture runs them in parallel). */
export function referenceSuite(name: string, only?: readonly BackendName[]): void {
  forEachBackend((backend) => {
    describe(name, () => {
      const ref = loadReference(name);
      const tol = ref.tolerance.logits_abs;
      let model: GPT2LMHeadModel;
      beforeAll(async () => {
        model = await GPT2LMHeadModel.fromPretrained(`${MODELS}${name}`, { backend });
      });
      afterAll(() => model?.dispose());

      it.each(ref.cases.map((c, i) => [c.prompt, i] as const))(
        'reproduces logits, top-20, prompt log-prob and hidden states for %j',
        async (_, i) => {
          const c = ref.cases[i]!;
          const T = c.ids.length;
          const V = ref.vocab_size;
          await model.backend.scope(async () => {
            const out = await model.forward({
              inputIds: [c.ids],
              logitsFor: 'all',
              outputHiddenStates: true,
              useCache: false,
            });
            expect(out.logits.shape).toEqual([T, V]);
            expect(out.pastKeyValues).toBeUndefined();
            const all = await out.logits.toArray();
            const last = all.subarray((T - 1) * V, T * V);
            expect(maxAbsDiff(last, ref.logits(i))).toBeLessThanOrEqual(tol);

            const ourTop = await topk(takeRows(out.logits, [T - 1]), 20); // [1, 20]
            c.top20.forEach(([id, value], k) => {
              expect(Math.abs(ourTop.values[k]! - value)).toBeLessThanOrEqual(tol);
              const tie = c.top20.some(
                ([other, v], j) => j !== k && other === ourTop.indices[k] && Math.abs(v - value) <= 2 * tol,
              );
              if (!tie) expect(ourTop.indices[k]).toBe(id);
            });

            let lp = 0;
            for (let t = 1; t < T; t++) lp += logProb(all.subarray((t - 1) * V, t * V), c.ids[t]!);
            expect(Math.abs(lp - c.prompt_logprob)).toBeLessThanOrEqual(tol * T);

            const hidden = out.hiddenStates!;
            expect(hidden).toHaveLength(model.config.n_layer + 1);
            for (let l = 0; l < hidden.length; l++) {
              const values = await hidden[l]!.toArray();
              const C = model.config.n_embd;
              const lastRow = values.subarray((T - 1) * C, T * C);
              const norm = Math.hypot(...lastRow);
              const want = c.hidden_states[l]!;
              expect(Math.abs(norm - want.l2_norm_last)).toBeLessThanOrEqual(
                1e-4 * Math.max(1, want.l2_norm_last),
              );
              expect(maxAbsDiff(lastRow.subarray(0, 8), want.first8_last)).toBeLessThanOrEqual(1e-4);
            }
          });
        },
      );

      it('reproduces every greedy continuation through generate() with the KV cache', async () => {
        for (const c of ref.cases) {
          const result = await runGeneration(model, c.ids, { max_new_tokens: c.greedy_ids.length });
          expect(result.stats.promptTokens).toBe(c.ids.length);
          checkGreedy(result.generatedIds[0]!, c, tol);
        }
        expect(model.backend.memory().tensors).toBe(
          model.config.n_layer * 12 + 4 + (model.config.tie_word_embeddings ? 0 : 1),
        );
      });
    });
  }, only);
}
