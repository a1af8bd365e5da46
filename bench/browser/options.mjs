// Options of the browser benchmark from the environment, validated once at startup with the allowed
// values in the message (parsers and the GPT2JS_ spelling: ../lib/env-options.mjs).
import { join } from 'node:path';
import { int, list, OptionError, read } from '../lib/env-options.mjs';

export { OptionError };

const BACKENDS = ['webasm', 'webgpu', 'webgl2', 'webgl', 'cpu'];
const DTYPES = ['f32', 'f16', 'int8'];
const MODELS = ['tiny', '124m'];

function flags(env, name) {
  const raw = read(env, name);
  if (raw === undefined || raw.trim() === '') return [];
  const items = raw.trim().split(/\s+/);
  for (const item of items) {
    if (!item.startsWith('--'))
      throw new OptionError(
        `${name}=${raw}: '${item}' is not a Chromium flag (space-separated, each starting with --)`,
      );
  }
  return items;
}

/**
 * All options, with defaults: the embedded tiny model on webasm, webgpu and webgl2 in f32, a 128-token
 * prompt, 32 decode steps and 32 sampled tokens, one round, 300 s per sample.
 */
export function optionsFromEnv(env, benchDir) {
  const cacheDirOverride = read(env, 'BENCH_CACHE_DIR');
  return {
    models: list(env, 'BENCH_BROWSER_MODEL', MODELS, ['tiny']),
    backends: list(env, 'BENCH_BROWSER_BACKENDS', BACKENDS, ['webasm', 'webgpu', 'webgl2']),
    dtypes: list(env, 'BENCH_BROWSER_DTYPES', DTYPES, ['f32']),
    promptTokens: int(env, 'BENCH_BROWSER_PROMPT_TOKENS', 128, 1, 768),
    decodeSteps: int(env, 'BENCH_BROWSER_DECODE_TOKENS', 32, 1, 255),
    sampledSteps: int(env, 'BENCH_BROWSER_SAMPLED_TOKENS', 32, 0, 255),
    warmupSteps: int(env, 'BENCH_BROWSER_WARMUP_TOKENS', 4, 1, 32),
    rounds: int(env, 'BENCH_BROWSER_ROUNDS', 1, 1, 10),
    timeoutMs: int(env, 'BENCH_BROWSER_TIMEOUT_S', 300, 10, 3600) * 1000,
    seed: int(env, 'BENCH_SEED', 1234, 0, 2 ** 31 - 1),
    chromium: read(env, 'BENCH_BROWSER_CHROMIUM') ?? '/usr/bin/chromium',
    chromiumArgs: flags(env, 'BENCH_BROWSER_CHROMIUM_ARGS'),
    cacheDir: cacheDirOverride ?? join(benchDir, 'node_modules', '.cache', 'gpt2js-bench'),
    cacheDirOverride,
  };
}

/** The command that reruns exactly this configuration (every option spelled out), from the repo root. */
export function reproduceCommand(o) {
  const values = {
    BENCH_BROWSER_MODEL: o.models.join(','),
    BENCH_BROWSER_BACKENDS: o.backends.join(','),
    BENCH_BROWSER_DTYPES: o.dtypes.join(','),
    BENCH_BROWSER_PROMPT_TOKENS: o.promptTokens,
    BENCH_BROWSER_DECODE_TOKENS: o.decodeSteps,
    BENCH_BROWSER_SAMPLED_TOKENS: o.sampledSteps,
    BENCH_BROWSER_WARMUP_TOKENS: o.warmupSteps,
    BENCH_BROWSER_ROUNDS: o.rounds,
    BENCH_BROWSER_TIMEOUT_S: o.timeoutMs / 1000,
    ...(o.models.includes('124m') ? { BENCH_SEED: o.seed } : {}),
    ...(o.chromium === '/usr/bin/chromium' ? {} : { BENCH_BROWSER_CHROMIUM: o.chromium }),
    ...(o.cacheDirOverride === undefined ? {} : { BENCH_CACHE_DIR: o.cacheDirOverride }),
    ...(o.chromiumArgs.length ? { BENCH_BROWSER_CHROMIUM_ARGS: `'${o.chromiumArgs.join(' ')}'` } : {}),
  };
  const vars = Object.entries(values).map(([k, v]) => `${k}=${v}`);
  return `${vars.join(' ')} node bench/browser/run.mjs`;
}
