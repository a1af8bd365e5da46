// The sampled loop both gpt2js benchmarks run after their greedy workload (Node: ../engines/gpt2js.mjs,
// browser: ../browser/page/main.js): @gpt2js/sampling's `runGeneration` with SAMPLING (top-k 50), seeded,
// EOS off so every run has all its tokens, each token timestamped. Plain ES module without Node imports.
import { runGeneration } from '@gpt2js/sampling';
import { SAMPLING } from './workload.mjs';

/** The prompt, then `steps` sampled tokens: the start time and the time each token was known. */
export async function sampledTimed(model, prompt, steps) {
  const times = [];
  const start = performance.now();
  await runGeneration(model, prompt, {
    ...SAMPLING,
    seed: 1,
    eos_token_id: [],
    max_new_tokens: steps + 1,
    onToken: () => times.push(performance.now()),
  });
  return { start, times };
}
