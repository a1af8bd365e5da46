// The webasm kernel cache under the real model: a second process-like load of gpt2-tiny over the same
// cache folder compiles nothing (every program read back), and its logits are the bits of the first load,
// which match the PyTorch reference; its greedy continuations through generate() match it too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGeneration } from '@gpt2js/sampling';
import { afterAll, describe, expect, it } from 'vitest';
import { GPT2LMHeadModel } from '../src/index.js';
import { MODELS } from './helpers/backends.js';
import { checkGreedy, loadReference, maxAbsDiff } from './helpers/reference.js';

interface CacheStats {
  hits: number;
  misses: number;
  writes: number;
}
const statsOf = (model: GPT2LMHeadModel) =>
  (model.backend as unknown as { engine: { kernelCache?: CacheStats } }).engine.kernelCache;

describe('gpt2-tiny on webasm with a kernel cache', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpt2js-model-kernels-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ref = loadReference('gpt2-tiny');
  const tol = ref.tolerance.logits_abs;

  async function session(): Promise<{ stats: CacheStats; logits: Float32Array[] }> {
    const model = await GPT2LMHeadModel.fromPretrained(`${MODELS}gpt2-tiny`, {
      backend: 'webasm',
      kernelCache: dir,
    });
    try {
      const logits: Float32Array[] = [];
      for (const [i, c] of ref.cases.entries()) {
        const last = await model.backend.scope(async () => {
          const out = await model.forward({ inputIds: [c.ids], useCache: false });
          return out.logits.toArray();
        });
        expect(maxAbsDiff(last, ref.logits(i))).toBeLessThanOrEqual(tol);
        logits.push(last);
        const result = await runGeneration(model, c.ids, { max_new_tokens: c.greedy_ids.length });
        checkGreedy(result.generatedIds[0]!, c, tol);
      }
      const stats = statsOf(model);
      if (!stats) throw new Error('no kernel cache on this backend');
      return { stats: { ...stats }, logits };
    } finally {
      model.dispose();
    }
  }

  it('compiles every kernel once, then reads them all back with the same logits', async () => {
    const first = await session();
    expect(first.stats.hits).toBe(0);
    expect(first.stats.writes).toBeGreaterThanOrEqual(20);
    const second = await session();
    expect(second.stats).toEqual({ where: dir, hits: first.stats.writes, misses: 0, writes: 0 });
    for (const [i, l] of second.logits.entries()) {
      expect(Array.from(l)).toEqual(Array.from(first.logits[i]!));
    }
  });
});
