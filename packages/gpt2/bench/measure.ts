// One benchmark run in its own process (so peak RSS belongs to one configuration): load the checkpoint on a
// backend with a weight storage, then time a 128-token prefill and 128 greedy decode steps at batch 1.
// Prints `BENCH_RESULT {json}`.
import { GPT2LMHeadModel } from '@gpt2js/gpt2';
import type { BackendName, WeightDType } from '@gpt2js/tensor';

interface Job {
  dir: string;
  backend: BackendName;
  dtype: WeightDType;
  promptTokens: number;
  newTokens: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const ids = Array.from({ length: job.promptTokens }, (_, i) => (i * 7919 + 13) % 50000);

const t0 = performance.now();
const model = await GPT2LMHeadModel.fromPretrained(job.dir, { backend: job.backend, dtype: job.dtype });
const loadMs = performance.now() - t0;
const weightBytes = model.backend.memory().bytes;

// Warm-up: compile every kernel for both shapes once (prefill of a few tokens, then decode steps).
{
  const warm = model.createSession(1);
  let logits = await warm.forward([ids.slice(0, 8)]);
  for (let i = 0; i < 2; i++) {
    const [id] = await logits.argmax();
    logits.dispose();
    logits = await warm.forward([[id!]]);
  }
  logits.dispose();
  warm.dispose();
}

const session = model.createSession(1);
const t1 = performance.now();
let logits = await session.forward([ids]);
let [next] = await logits.argmax(); // time to first token: prefill + the head on the last position
const prefillMs = performance.now() - t1;
const t2 = performance.now();
for (let i = 0; i < job.newTokens; i++) {
  logits.dispose();
  logits = await session.forward([[next!]]);
  [next] = await logits.argmax();
}
const decodeMs = performance.now() - t2;
logits.dispose();
session.dispose();
const report = model.backend.report();
model.dispose();

console.log(
  `BENCH_RESULT ${JSON.stringify({
    backend: job.backend,
    dtype: job.dtype,
    reason: report.reason,
    loadMs,
    weightBytes,
    prefillTokensPerSecond: (job.promptTokens / prefillMs) * 1000,
    decodeTokensPerSecond: (job.newTokens / decodeMs) * 1000,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  })}`,
);
process.exit(0);
