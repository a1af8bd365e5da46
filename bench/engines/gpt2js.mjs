// One gpt2js sample, in its own process so that its peak RSS is its own: load the model on the requested
// backend and weight storage, warm up (compiles every kernel for the prompt shape and the one-token step),
// then greedy-decode the workload through the CausalLM session, reading back one token id per step; then
// sample `sampledSteps` tokens with @gpt2js/sampling's `runGeneration` (top-k 50, seeded: ../lib/sampled.mjs).
//
// Usage: node engines/gpt2js.mjs '{"dir": "...", "backend": "webasm", "dtype": "int8", "prompt": [...], "decodeSteps": 128}'
import { GPT2LMHeadModel } from '@gpt2js/gpt2';
import { fusedMultiplyAddEnabled } from '@gpt2js/tensor';
import { greedyTimed } from '../lib/greedy.mjs';
import { sampledTimed } from '../lib/sampled.mjs';
import { emit, peakRss, summarise } from '../lib/workload.mjs';

const {
  dir,
  backend,
  dtype,
  prompt,
  decodeSteps,
  sampledSteps = 0,
  warmupSteps = 4,
} = JSON.parse(process.argv[2]);

async function greedy(model, steps) {
  const { ids, start, times } = await greedyTimed(model, prompt, steps);
  return { ids, ...summarise(start, times) };
}

const t0 = performance.now();
const model = await GPT2LMHeadModel.fromPretrained(dir, { backend, dtype });
const loadMs = performance.now() - t0;
const cold = await greedy(model, warmupSteps);
const run = await greedy(model, decodeSteps);
const peakRssBytes = peakRss();
const sampledRun =
  sampledSteps > 0
    ? await sampledTimed(model, prompt, sampledSteps).then((r) => summarise(r.start, r.times))
    : undefined;
const report = model.backend.report?.();
const memory = model.backend.memory?.();
// the webasm engine's kernel cache: programs read back and compiled in this process (engine internals)
const kernelCache = model.backend.engine?.kernelCache;
model.dispose();
emit({
  engine: 'gpt2js',
  backend: model.backend.name,
  backendReason: report?.reason,
  // whether webasm kernels fused multiply-adds (relaxed SIMD, not switched off by GPT2JS_WASM_FMA=0)
  fusedMultiplyAdd: fusedMultiplyAddEnabled(),
  dtype,
  loadMs,
  coldTtftMs: cold.ttftMs,
  ttftMs: run.ttftMs,
  decodeTokensPerSecond: run.decodeTokensPerSecond,
  sampledDecodeTokensPerSecond: sampledRun?.decodeTokensPerSecond,
  peakRssBytes,
  deviceBytes: memory?.bytes,
  kernelCache: kernelCache ? { hits: kernelCache.hits, misses: kernelCache.misses } : undefined,
  ids: run.ids,
});
