// f16 and int8 weight storage against the PyTorch f32 references, with documented bounds.
// Measured on cpu and webasm (max |Δ logit| over the six prompts, all 50257 logits):
//   f16:  gpt2-tiny 6.1e-3, gpt2-odd 2.9e-3        → bound F16_LOGITS = 1e-2
//   int8: gpt2-tiny 0.122,  gpt2-odd 0.066          → bound INT8_LOGITS = 0.25
// Greedy continuations must match the f32 reference until the first step whose reference margin is within
// twice the bound (a tie at that precision: either token is right, and comparison stops there).
import { runGeneration } from '@gpt2js/sampling';
import type { BackendName, WeightDType } from '@gpt2js/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GPT2LMHeadModel } from '../../src/index.js';
import { forEachBackend, MODELS } from './backends.js';
import { checkGreedy, loadReference, maxAbsDiff } from './reference.js';

const BOUNDS: Record<Exclude<WeightDType, 'f32'>, number> = { f16: 1e-2, int8: 0.25 };

/** The f16/int8 storage checks on every Node backend (or those in `only`). */
export function weightDtypeSuite(only?: readonly BackendName[]): void {
  forEachBackend((backend) => {
    describe.each([
      ['gpt2-tiny', 'f16'],
      ['gpt2-tiny', 'int8'],
      ['gpt2-odd', 'int8'],
    ] as const)('%s with %s weights', (name, dtype) => {
      const ref = loadReference(name);
      const bound = BOUNDS[dtype];
      let model: GPT2LMHeadModel;
      beforeAll(async () => {
        model = await GPT2LMHeadModel.fromPretrained(`${MODELS}${name}`, { backend, dtype });
      });
      afterAll(() => model?.dispose());

      it(`keeps every last-position logit within ${bound} of the f32 reference`, async () => {
        let worst = 0;
        for (const [i, c] of ref.cases.entries()) {
          const out = await model.forward({ inputIds: [c.ids], useCache: false });
          worst = Math.max(worst, maxAbsDiff(await out.logits.toArray(), ref.logits(i)));
          out.logits.dispose();
        }
        expect(worst).toBeLessThanOrEqual(bound);
        expect(worst).toBeGreaterThan(0); // really stored at lower precision
      });

      it('generates the reference greedy text up to near-ties at this precision', async () => {
        for (const c of ref.cases.slice(0, 3)) {
          const result = await runGeneration(model, c.ids, {
            max_new_tokens: Math.min(16, c.greedy_ids.length),
          });
          checkGreedy(result.generatedIds[0]!, { ...c, greedy_ids: c.greedy_ids.slice(0, 16) }, 2 * bound);
        }
      });
    });
  }, only);
}
