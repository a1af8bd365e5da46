// The model folder of a BENCH_BROWSER_MODEL value: the embedded models/gpt2-tiny, or the seeded random 124M
// weights (../make-weights.mjs, written on first use), checked against the workload's length.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureWeights, weightsDir } from '../make-weights.mjs';
import { OptionError } from './options.mjs';

const BENCH = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export async function modelDir(model, o, log) {
  const dir =
    model === 'tiny'
      ? resolve(BENCH, '../models/gpt2-tiny')
      : await ensureWeights({ seed: o.seed, dir: weightsDir(o.seed, o.cacheDir), log });
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const needed = o.promptTokens + Math.max(o.decodeSteps, o.warmupSteps) + 1;
  if (needed > cfg.n_positions)
    throw new OptionError(
      `model ${model} has n_positions=${cfg.n_positions}, but BENCH_BROWSER_PROMPT_TOKENS + max(BENCH_BROWSER_DECODE_TOKENS, ` +
        `BENCH_BROWSER_WARMUP_TOKENS) + 1 = ${needed}; shorten the workload`,
    );
  return dir;
}
