// Resources: loading and disposing a model 20 times, and generating 1,000 tokens, keep backend memory at its
// baseline and process memory (RSS) bounded. A leak of one gpt2-tiny copy per cycle would add ~29 MB each.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { runGeneration } from '@gpt2js/sampling';
import { type Backend, createBackend } from '@gpt2js/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GPT2LMHeadModel } from '../src/index.js';
import { MODELS } from './helpers/backends.js';
import { loadReference } from './helpers/reference.js';

const MB = 1024 * 1024;
// A full GC before each sample, so RSS reflects what is still referenced, not what is waiting for collection.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const rss = () => {
  gc();
  return process.memoryUsage().rss;
};
const summary: string[] = [];
afterAll(() => console.log(`[gpt2 faults] resources: ${summary.join('; ')}`));

describe('resources', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await createBackend({ backend: 'cpu' });
  });
  afterAll(() => backend?.dispose());

  it('load + forward + dispose 20 times returns backend memory to 0 and keeps RSS flat', async () => {
    const ids = [loadReference('gpt2-tiny').cases[0]!.ids];
    let warm = 0;
    let peak = 0;
    for (let i = 0; i < 20; i++) {
      const model = await GPT2LMHeadModel.fromPretrained(`${MODELS}gpt2-tiny`, { backend });
      const out = await model.forward({ inputIds: ids, useCache: false });
      out.logits.dispose();
      expect(backend.memory().tensors).toBe(52);
      model.dispose();
      expect(backend.memory()).toEqual({ tensors: 0, bytes: 0 });
      if (i === 2) warm = rss();
      if (i > 2) peak = Math.max(peak, rss());
    }
    const growth = (peak - warm) / MB;
    summary.push(`20 load/dispose cycles, RSS +${growth.toFixed(1)} MB after warm-up`);
    expect(growth).toBeLessThan(64);
  });

  it('generates 1,000 tokens in context-sized chunks with flat backend memory and RSS', async () => {
    const model = await GPT2LMHeadModel.fromPretrained(`${MODELS}gpt2-tiny`, { backend });
    try {
      const weights = backend.memory();
      const prompt = loadReference('gpt2-tiny').cases[2]!.ids;
      const chunk = model.maxLength - prompt.length; // 245 new tokens fill the 256-position context
      let generated = 0;
      let warm = 0;
      let peak = 0;
      let maxLive = 0;
      for (let run = 0; generated < 1000; run++) {
        const result = await runGeneration(model, prompt, {
          max_new_tokens: Math.min(chunk, 1000 - generated),
          do_sample: true,
          seed: run,
          eos_token_id: [],
          onToken: () => {
            maxLive = Math.max(maxLive, backend.memory().tensors);
          },
        });
        generated += result.generatedIds[0]!.length;
        expect(backend.memory()).toEqual(weights); // session cache and step logits freed
        if (run === 0) warm = rss();
        else peak = Math.max(peak, rss());
      }
      expect(generated).toBe(1000);
      expect(maxLive).toBeLessThanOrEqual(weights.tensors + 3); // + KV cache and the step's logits
      const growth = (peak - warm) / MB;
      summary.push(`1000 tokens generated, RSS +${growth.toFixed(1)} MB after the first chunk`);
      expect(growth).toBeLessThan(60);
    } finally {
      model.dispose();
    }
  });
});
