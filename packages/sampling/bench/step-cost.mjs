// Benchmark: host cost of one decoding step on a GPT-2-sized vocabulary (50,257 logits), per decoding
// setting, against a plain argmax loop measured in the same run (interleaved rounds, medians).
// This is the work `generate` adds on top of the model's forward pass. Run after `pnpm build`.
// No timing assertion: it prints, the reader judges.
import { candidateRow } from '../dist/candidates.js';
import {
  argmax,
  buildLogitsPipeline,
  createRng,
  sampleFromLogits,
  topkHost,
  validateGenerationOptions,
} from '../dist/index.js';

const VOCAB = 50257;
const ROUNDS = 15;
const STEPS = 20;

// GPT-2-like logits: mostly N(−2, 2), a handful of strong candidates.
const rng = createRng(1);
const gauss = () =>
  Math.sqrt(-2 * Math.log(1 - rng.nextFloat64())) * Math.cos(2 * Math.PI * rng.nextFloat64());
const logits = Float32Array.from({ length: VOCAB }, () => gauss() * 2 - 2);
for (let i = 0; i < 30; i++) logits[Math.floor(rng.nextFloat64() * VOCAB)] = 8 + gauss();
const history = Array.from({ length: 64 }, (_, i) => (i * 7919) % VOCAB);
const ctx = { inputIds: history, promptLength: 8, maxLength: 200 };

function setting(name, options) {
  const config = validateGenerationOptions(options);
  const sampling = config.do_sample && config.temperature > 0;
  const pipeline = buildLogitsPipeline(config, { sampling, promptLength: 8, minTokensToKeep: 1 });
  const draw = createRng(2);
  return {
    name,
    step: () =>
      sampling ? sampleFromLogits(pipeline.apply(logits, ctx), draw) : argmax(pipeline.apply(logits, ctx)),
  };
}

// what the loop does when top_k allows it (candidates.ts): the model's top k + 1 (here from the host row, as
// a model without a device top-k would give them), then the rest of the pipeline on the k candidates
function fromCandidates(name, options) {
  const config = validateGenerationOptions(options);
  const pipeline = buildLogitsPipeline(config, { sampling: true, promptLength: 8, minTokensToKeep: 1 });
  const plan = pipeline.candidates(ctx);
  const draw = createRng(2);
  return {
    name,
    step: () => {
      const c = candidateRow(topkHost(logits, plan.k + plan.extra + 1), plan);
      return c.ids[sampleFromLogits(plan.after(c.logits, c.ids), draw)];
    },
  };
}

const baseline = { name: 'argmax only (baseline)', step: () => argmax(logits) };
const cases = [
  setting('greedy + repetition_penalty 1.2', { repetition_penalty: 1.2 }),
  setting('sample, HF defaults (top_k 50), whole row', { do_sample: true }),
  setting('sample, T 0.8 + top_k 50 + top_p 0.9, whole row', {
    do_sample: true,
    temperature: 0.8,
    top_p: 0.9,
  }),
  fromCandidates('  top_k 50 from the top 51 (what generate does)', { do_sample: true }),
  fromCandidates('  T 0.8 + top_k 50 + top_p 0.9 from the top 51', {
    do_sample: true,
    temperature: 0.8,
    top_p: 0.9,
  }),
  setting('sample, no truncation (top_k 0)', { do_sample: true, top_k: 0 }),
  setting('sample, top_p 0.9 alone (top_k 0)', { do_sample: true, top_k: 0, top_p: 0.9 }),
  setting('sample, min_p 0.05', { do_sample: true, top_k: 0, min_p: 0.05 }),
  setting('sample, typical_p 0.9', { do_sample: true, top_k: 0, typical_p: 0.9 }),
  setting('sample, no_repeat_ngram 3 + presence 0.5', {
    do_sample: true,
    no_repeat_ngram_size: 3,
    presence_penalty: 0.5,
  }),
];

const timeOf = (c) => {
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++) c.step();
  return (performance.now() - t0) / STEPS;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const all = [baseline, ...cases];
for (const c of all) timeOf(c); // warm-up
const samples = new Map(all.map((c) => [c.name, []]));
for (let r = 0; r < ROUNDS; r++) for (const c of all) samples.get(c.name).push(timeOf(c));

const base = median(samples.get(baseline.name));
console.log(
  `host cost per step, vocab ${VOCAB}, median of ${ROUNDS} rounds × ${STEPS} steps (Node ${process.version})`,
);
for (const c of all) {
  const ms = median(samples.get(c.name));
  console.log(
    `${c.name.padEnd(52)} ${ms.toFixed(3).padStart(8)} ms  ${(ms / base).toFixed(1).padStart(6)}× baseline`,
  );
}
