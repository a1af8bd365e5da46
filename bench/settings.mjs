// gpt2js alone: what each decoding setting costs per generated token, against greedy decoding measured in the
// same process (settings interleaved, rounds, medians). Sampling without a top_k reads and processes the whole
// 50,257-logit row every step; beam search and num_return_sequences decode several rows a step. GPT-2 124M's
// shape with seeded random weights (the benchmark's cache folder), or gpt2-tiny (BENCH_SETTINGS_MODEL=tiny).
//
//   pnpm --filter @gpt2js/bench bench:settings
//   BENCH_SETTINGS_MODEL=tiny|124m  BENCH_SETTINGS_DTYPE=f32|f16|int8  BENCH_ROUNDS=3  BENCH_SETTINGS_TOKENS=32
//   BENCH_SETTINGS_PROMPT=32 (prompt tokens; the prefill's time is reported too)
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GPT2LMHeadModel } from '@gpt2js/gpt2';
import { runGeneration } from '@gpt2js/sampling';
import { machineInfo } from './lib/machine.mjs';
import { fmt, median } from './lib/stats.mjs';
import { promptIds } from './lib/workload.mjs';
import { ensureWeights } from './make-weights.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const which = process.env.BENCH_SETTINGS_MODEL ?? '124m';
const dtype = process.env.BENCH_SETTINGS_DTYPE ?? 'int8';
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const tokens = Number(process.env.BENCH_SETTINGS_TOKENS ?? 32);
const promptLength = Number(process.env.BENCH_SETTINGS_PROMPT ?? 32);

/** name → generation options; every setting decodes `tokens` tokens after the same 32-token prompt, EOS off. */
const SETTINGS = {
  'greedy (baseline)': {},
  'top_k 50 (HF default sampling)': { do_sample: true },
  'top_p 0.9, top_k 0': { do_sample: true, top_k: 0, top_p: 0.9 },
  'sampling without truncation (top_k 0)': { do_sample: true, top_k: 0 },
  'typical_p 0.9, top_k 0': { do_sample: true, top_k: 0, typical_p: 0.9 },
  '4 beams': { num_beams: 4 },
  '4 beams, sampled': { num_beams: 4, do_sample: true },
  '4 sequences, top_k 50': { do_sample: true, num_return_sequences: 4 },
};

const dir =
  which === 'tiny' ? join(HERE, '..', 'models', 'gpt2-tiny') : await ensureWeights({ log: console.error });
const model = await GPT2LMHeadModel.fromPretrained(dir, { backend: 'webasm', dtype });
const prompt = promptIds(promptLength);
const run = (options, seed) =>
  runGeneration(model, prompt, { ...options, seed, eos_token_id: [], max_new_tokens: tokens + 1 });

// warm-up: every setting once (kernels compiled, code optimised)
for (const options of Object.values(SETTINGS)) await run(options, 1);
const perToken = new Map(Object.keys(SETTINGS).map((name) => [name, []]));
const prefill = new Map(Object.keys(SETTINGS).map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const [name, options] of Object.entries(SETTINGS)) {
    // the first token comes from the prefill; then `tokens` steps, each one token for every row
    const result = await run(options, round + 2);
    perToken.get(name).push(result.stats.decodeMs / tokens);
    prefill.get(name).push(result.stats.prefillMs);
  }
}
model.dispose();

const m = machineInfo();
const greedy = median(perToken.get('greedy (baseline)'));
console.log(
  `## Decoding settings: gpt2js webasm, ${which === 'tiny' ? 'gpt2-tiny' : 'GPT-2 124M shape'}, ${dtype}\n`,
);
console.log(
  `${new Date().toISOString()} · ${m.cpu}, ${m.cores} cores · Node ${process.version} · ${promptLength}-token prompt, ${tokens} tokens per setting (EOS off) · ${rounds} interleaved rounds, medians · one process\n`,
);
const greedyPrefill = median(prefill.get('greedy (baseline)'));
console.log('| setting | ms per decoding step | vs greedy | time to first token, ms | vs greedy |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const [name, values] of perToken) {
  const ms = median(values);
  const first = median(prefill.get(name));
  console.log(
    `| ${name} | ${fmt(ms, 2)} | ${fmt(ms / greedy, 2)}× | ${fmt(first, 0)} | ${fmt(first / greedyPrefill, 2)}× |`,
  );
}
console.log(
  '\nA step of 4 beams or 4 sequences decodes 4 rows: about 4× greedy is what the forward pass alone costs.',
);
