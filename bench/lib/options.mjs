// Benchmark options from the environment, validated once with the allowed values in the message.
// Each BENCH_X may also be written GPT2JS_BENCH_X: turbo's strict environment mode passes GPT2JS_* through
// to `pnpm bench` at the root, while a bare BENCH_X reaches only `pnpm --filter @gpt2js/bench bench`.
import { join } from 'node:path';

const BACKENDS = ['webgpu', 'webgl2', 'webgl', 'headlessgl', 'webasm', 'cpu'];
const DTYPES = ['f32', 'f16', 'int8'];
const TJS_DTYPES = ['fp32', 'q8'];
const ENGINES = ['gpt2js', 'transformers.js'];

function read(env, name) {
  return env[`GPT2JS_${name}`] ?? env[name];
}

function list(env, name, allowed, dflt) {
  const raw = read(env, name);
  if (raw === undefined || raw.trim() === '') return dflt;
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items) {
    if (!allowed.includes(item))
      throw new Error(`${name}=${raw}: '${item}' is not one of ${allowed.join(', ')}`);
  }
  return [...new Set(items)];
}

function int(env, name, dflt, min, max) {
  const raw = read(env, name);
  if (raw === undefined || raw === '') return dflt;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max)
    throw new Error(`${name}=${raw}: expected an integer in [${min}, ${max}]`);
  return v;
}

/** All options, with defaults: 3 rounds, webasm, f32/f16/int8 against transformers.js fp32/q8. */
export function optionsFromEnv(env, benchDir) {
  const cacheDir = read(env, 'BENCH_CACHE_DIR') ?? join(benchDir, 'node_modules', '.cache', 'gpt2js-bench');
  return {
    rounds: int(env, 'BENCH_ROUNDS', 3, 1, 20),
    backends: list(env, 'BENCH_BACKENDS', BACKENDS, ['webasm']),
    dtypes: list(env, 'BENCH_DTYPES', DTYPES, DTYPES),
    tjsDtypes: list(env, 'BENCH_TJS_DTYPES', TJS_DTYPES, TJS_DTYPES),
    engines: list(env, 'BENCH_ENGINES', ENGINES, ENGINES),
    seed: int(env, 'BENCH_SEED', 1234, 0, 2 ** 31 - 1),
    promptTokens: int(env, 'BENCH_PROMPT_TOKENS', 128, 1, 768),
    decodeSteps: int(env, 'BENCH_DECODE_TOKENS', 128, 1, 255),
    timeoutMs: int(env, 'BENCH_TIMEOUT_S', 300, 10, 3600) * 1000,
    python: read(env, 'BENCH_PYTHON') ?? '/usr/bin/python3',
    cacheDir,
    out: read(env, 'BENCH_OUT') ?? join(cacheDir, 'results', 'latest.md'),
  };
}
