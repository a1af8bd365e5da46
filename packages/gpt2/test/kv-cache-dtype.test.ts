// kvCacheDtype 'f16': webasm keeps the keys and values in halves. Against the PyTorch f32 references, and
// against the same model with an f32 cache. Measured (webasm, max |Δ logit| against the f32 cache, six
// prompts, all 50257 logits, f32 / f16 / int8 weights): gpt2-tiny 3.1e-4 / 3.2e-4 / 4.2e-4, gpt2-odd
// 1.2e-3 / 1.0e-3 / 1.2e-3 → bound KV_F16_LOGITS = 5e-3 on top of the weights' own.
import { runGeneration } from '@gpt2js/sampling';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GPT2Error, GPT2LMHeadModel } from '../src/index.js';
import { MODELS } from './helpers/backends.js';
import { checkGreedy, loadReference, maxAbsDiff } from './helpers/reference.js';

const KV_F16_LOGITS = 5e-3;

describe.each(['gpt2-tiny', 'gpt2-odd'])("%s on webasm with kvCacheDtype 'f16'", (name) => {
  const ref = loadReference(name);
  let half: GPT2LMHeadModel;
  let full: GPT2LMHeadModel;
  beforeAll(async () => {
    half = await GPT2LMHeadModel.fromPretrained(`${MODELS}${name}`, {
      backend: 'webasm',
      kvCacheDtype: 'f16',
    });
    full = await GPT2LMHeadModel.fromPretrained(`${MODELS}${name}`, { backend: 'webasm' });
  });
  afterAll(() => {
    half?.dispose();
    full?.dispose();
  });

  it(`keeps every last-position logit within ${KV_F16_LOGITS} of the reference, caching halves`, async () => {
    expect(half.transformer.kvCacheDtype).toBe('f16');
    let worst = 0;
    let fromFull = 0;
    for (const [i, c] of ref.cases.entries()) {
      const a = await half.forward({ inputIds: [c.ids] });
      const b = await full.forward({ inputIds: [c.ids] });
      expect(a.pastKeyValues?.dtype).toBe('f16');
      expect(b.pastKeyValues?.dtype).toBe('f32');
      const values = await a.logits.toArray();
      worst = Math.max(worst, maxAbsDiff(values, ref.logits(i)));
      fromFull = Math.max(fromFull, maxAbsDiff(values, await b.logits.toArray()));
      for (const out of [a, b]) {
        out.logits.dispose();
        out.pastKeyValues?.dispose();
      }
    }
    expect(worst).toBeLessThanOrEqual(KV_F16_LOGITS);
    expect(fromFull).toBeGreaterThan(0); // the cache really holds halves
  });

  it('generates the reference greedy text up to near-ties at this precision, in sessions of its dtype', async () => {
    // a session's cache, made at its first forward (a shared prompt: computed for one row, then expanded)
    const cacheBytes = async (model: GPT2LMHeadModel) => {
      const before = model.backend.memory().bytes;
      const session = model.createSession(2);
      const logits = await session.forward([ref.cases[0].ids, ref.cases[0].ids]);
      const bytes = model.backend.memory().bytes - before;
      logits.dispose();
      session.dispose();
      return bytes;
    };
    const logitsBytes = 2 * full.config.vocab_size * 4;
    const fullBytes = (await cacheBytes(full)) - logitsBytes;
    expect(fullBytes).toBeGreaterThan(0);
    expect((await cacheBytes(half)) - logitsBytes).toBe(fullBytes / 2);
    for (const c of ref.cases.slice(0, 3)) {
      const result = await runGeneration(half, c.ids, { max_new_tokens: Math.min(16, c.greedy_ids.length) });
      checkGreedy(
        result.generatedIds[0]!,
        { ...c, greedy_ids: c.greedy_ids.slice(0, 16) },
        2 * KV_F16_LOGITS,
      );
    }
  });
});

it("refuses a kvCacheDtype other than 'f32' and 'f16', naming the option", async () => {
  const error = await GPT2LMHeadModel.fromPretrained(`${MODELS}gpt2-tiny`, {
    backend: 'cpu',
    kvCacheDtype: 'int8' as 'f16',
  }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(GPT2Error);
  expect((error as GPT2Error).message).toMatch(/kvCacheDtype must be 'f32' or 'f16', got "int8"/);
});
