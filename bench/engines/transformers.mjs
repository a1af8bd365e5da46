// One transformers.js sample (onnxruntime-node, device 'cpu'), in its own process so that its peak RSS is its
// own: load the exported ONNX decoder (onnx/model.onnx for dtype fp32, onnx/model_quantized.onnx for q8) from
// the local folder, warm up, then greedy `generate` with a streamer that timestamps every new token, then
// `sampledSteps` tokens sampled with top-k 50 (its MultinomialSampler; Math.random, so not seeded).
// EOS is disabled so every run produces the same number of tokens.
//
// Usage: node engines/transformers.mjs '{"dir": "...", "dtype": "q8", "prompt": [...], "decodeSteps": 128}'
import { basename, dirname } from 'node:path';
import { AutoModelForCausalLM, env, Tensor } from '@huggingface/transformers';
import { emit, peakRss, SAMPLING, summarise } from '../lib/workload.mjs';

const { dir, dtype, prompt, decodeSteps, sampledSteps = 0, warmupSteps = 4 } = JSON.parse(process.argv[2]);

env.allowRemoteModels = false;
env.localModelPath = dirname(dir);

async function decode(model, steps, sampling) {
  const ids = [];
  const times = [];
  let first = true;
  const streamer = {
    put(values) {
      if (first) {
        first = false; // generate() first echoes the prompt
        return;
      }
      times.push(performance.now());
      ids.push(Number(values[0][0]));
    },
    end() {},
  };
  const input_ids = new Tensor('int64', BigInt64Array.from(prompt.map(BigInt)), [1, prompt.length]);
  const attention_mask = new Tensor('int64', new BigInt64Array(prompt.length).fill(1n), [1, prompt.length]);
  const start = performance.now();
  await model.generate({
    input_ids,
    attention_mask,
    max_new_tokens: steps + 1,
    ...(sampling ? SAMPLING : { do_sample: false }),
    eos_token_id: null,
    streamer,
  });
  return { ids, ...summarise(start, times) };
}

const t0 = performance.now();
const model = await AutoModelForCausalLM.from_pretrained(basename(dir), {
  dtype,
  device: 'cpu',
  local_files_only: true,
});
const loadMs = performance.now() - t0;
const cold = await decode(model, warmupSteps, false);
const run = await decode(model, decodeSteps, false);
const peakRssBytes = peakRss();
const sampledRun = sampledSteps > 0 ? await decode(model, sampledSteps, true) : undefined;
await model.dispose();
emit({
  engine: 'transformers.js',
  backend: 'onnxruntime-node cpu',
  dtype,
  loadMs,
  coldTtftMs: cold.ttftMs,
  ttftMs: run.ttftMs,
  decodeTokensPerSecond: run.decodeTokensPerSecond,
  sampledDecodeTokensPerSecond: sampledRun?.decodeTokensPerSecond,
  peakRssBytes,
  ids: run.ids,
});
