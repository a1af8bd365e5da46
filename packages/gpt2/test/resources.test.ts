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
// V8 hands freed array buffers' memory back from background threads, so one GC and an immediate sample can
// still count a disposed model or two when the other core is busy (+49 to +60 MB over the 20 cycles below,
// against −49 to +7 MB on an idle machine): a sample collects and waits until RSS stops falling. Memory that
// is still referenced (a leak) never falls, however long the sample waits.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const rss = async (): Promise<number> => {
  let last = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 8; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = process.memoryUsage().rss;
    if (last - now < 2 * MB) return Math.min(now, last);
    last = now;
  }
  return last;
};
/** Memory JavaScript still references (V8's heap and array buffers), right after a sample's collections. */
const live = (): number => {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
};
/** How far a run of samples rose above its first one, in MB. */
const rise = (values: number[]): number => (Math.max(...values) - values[0]!) / MB;
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
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
    const resident: number[] = [];
    const referenced: number[] = [];
    for (let i = 0; i < 20; i++) {
      const model = await GPT2LMHeadModel.fromPretrained(`${MODELS}gpt2-tiny`, { backend });
      const out = await model.forward({ inputIds: ids, useCache: false });
      out.logits.dispose();
      expect(backend.memory().tensors).toBe(52);
      model.dispose();
      expect(backend.memory()).toEqual({ tensors: 0, bytes: 0 });
      // after two warm-up cycles: cycles 2–19
      if (i >= 2) {
        resident.push(await rss());
        referenced.push(live());
      }
    }
    // A leak of a model per cycle (~29 MB) raises the later samples by ~350 MB over the earlier ones. Without
    // one, RSS sits flat with single samples up to ~55 MB high (memory released just after the sample, seen
    // in the full suite with the other core busy): medians of the first and last six samples ignore those.
    const growth = (median(resident.slice(-6)) - median(resident.slice(0, 6))) / MB;
    const referencedRise = rise(referenced);
    summary.push(
      `20 load/dispose cycles, RSS +${growth.toFixed(1)} MB (median of the last six samples over the first six), referenced +${referencedRise.toFixed(1)} MB`,
    );
    expect(growth).toBeLessThan(64);
    // what JavaScript still references does not depend on an allocator (+0.0 to +0.5 MB seen): a leak of half a
    // MB per cycle (8.5 MB over the samples) fails this
    expect(referencedRise).toBeLessThan(8);
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
        if (run === 0) warm = await rss();
        else peak = Math.max(peak, await rss());
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
