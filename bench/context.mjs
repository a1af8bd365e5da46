// gpt2js alone: what a decoding step costs as the context grows, with the KV cache in f32 and in f16
// (`kvCacheDtype`), GPT-2 124M's shape with seeded random weights (the benchmark's cache folder). One process
// holds both models and alternates whole generations (A B, then B A, …) from a 64-token prompt to 960
// positions; each window's ms a step is the median over rounds.
//
//   pnpm --filter @gpt2js/bench bench:context
//   BENCH_CONTEXT_DTYPE=int8|f16|f32 (weights, default int8)  BENCH_ROUNDS=4
import { GPT2LMHeadModel } from '@gpt2js/gpt2';
import { machineInfo } from './lib/machine.mjs';
import { fmt, median } from './lib/stats.mjs';
import { ensureWeights } from './make-weights.mjs';

const dtype = process.env.BENCH_CONTEXT_DTYPE ?? 'int8';
const rounds = Number(process.env.BENCH_ROUNDS ?? 4);
const WINDOWS = [
  [128, 256],
  [448, 576],
  [832, 960],
];
const CACHES = ['f32', 'f16'];

const dir = await ensureWeights({ log: console.error });
const models = {};
for (const kv of CACHES) {
  models[kv] = await GPT2LMHeadModel.fromPretrained(dir, { backend: 'webasm', dtype, kvCacheDtype: kv });
}
const prompt = Array.from({ length: 64 }, (_, i) => (i * 7919 + 13) % 50257);
const last = WINDOWS[WINDOWS.length - 1][1];

/** ms a step in each window, for one greedy generation up to `last` positions. */
async function generation(model) {
  const session = model.createSession(1);
  try {
    let logits = await session.forward([prompt]);
    let [id] = await logits.argmax();
    logits.dispose();
    const started = [];
    const perStep = [];
    for (let position = prompt.length; position < last; position++) {
      const now = performance.now();
      for (const [w, [from, to]] of WINDOWS.entries()) {
        if (position === from) started[w] = now;
        if (position === to - 1) perStep[w] = (now - started[w]) / (to - 1 - from);
      }
      logits = await session.forward([[id]]);
      [id] = await logits.argmax();
      logits.dispose();
    }
    return perStep;
  } finally {
    session.dispose();
  }
}

for (const kv of CACHES) await generation(models[kv]); // warm-up: kernels compiled
const results = Object.fromEntries(CACHES.map((kv) => [kv, WINDOWS.map(() => [])]));
for (let round = 0; round < rounds; round++) {
  for (const kv of round % 2 ? [...CACHES].reverse() : CACHES) {
    const perStep = await generation(models[kv]);
    for (const [w, ms] of perStep.entries()) results[kv][w].push(ms);
  }
}
for (const model of Object.values(models)) model.dispose();

const m = machineInfo();
console.log(`## Decoding as the context grows: gpt2js webasm, GPT-2 124M shape, ${dtype} weights\n`);
console.log(
  `${new Date().toISOString()} · ${m.cpu}, ${m.cores} cores · Node ${process.version} · greedy from a 64-token prompt · ${rounds} alternating rounds, medians · one process\n`,
);
console.log('| positions | f32 cache: ms a step | f16 cache: ms a step | f16 vs f32 |');
console.log('| --- | ---: | ---: | ---: |');
for (const [w, [from, to]] of WINDOWS.entries()) {
  const a = median(results.f32[w]);
  const b = median(results.f16[w]);
  console.log(`| ${from}–${to} | ${fmt(a, 2)} | ${fmt(b, 2)} | ${fmt(b / a, 3)}× |`);
}
