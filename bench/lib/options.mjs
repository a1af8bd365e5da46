// Benchmark options from the environment, validated once with the allowed values in the message
// (parsers and the GPT2JS_ spelling: env-options.mjs).
import { join } from 'node:path';
import { choice, int, list, read } from './env-options.mjs';

const BACKENDS = ['webgpu', 'webgl2', 'webgl', 'headlessgl', 'webasm', 'cpu'];
const DTYPES = ['f32', 'f16', 'int8'];
const TJS_DTYPES = ['fp32', 'q8'];
const ENGINES = ['gpt2js', 'transformers.js'];
const RELAXED_SIMD = ['off', 'on', 'both'];

/**
 * All options, with defaults: 3 rounds, webasm with and without relaxed SIMD (fused multiply-adds),
 * f32/f16/int8 against transformers.js fp32/q8.
 */
export function optionsFromEnv(env, benchDir) {
  const cacheDir = read(env, 'BENCH_CACHE_DIR') ?? join(benchDir, 'node_modules', '.cache', 'gpt2js-bench');
  return {
    rounds: int(env, 'BENCH_ROUNDS', 3, 1, 20),
    backends: list(env, 'BENCH_BACKENDS', BACKENDS, ['webasm']),
    dtypes: list(env, 'BENCH_DTYPES', DTYPES, DTYPES),
    relaxedSimd: choice(env, 'BENCH_RELAXED_SIMD', RELAXED_SIMD, 'both'),
    tjsDtypes: list(env, 'BENCH_TJS_DTYPES', TJS_DTYPES, TJS_DTYPES),
    engines: list(env, 'BENCH_ENGINES', ENGINES, ENGINES),
    seed: int(env, 'BENCH_SEED', 1234, 0, 2 ** 31 - 1),
    promptTokens: int(env, 'BENCH_PROMPT_TOKENS', 128, 1, 768),
    decodeSteps: int(env, 'BENCH_DECODE_TOKENS', 128, 1, 255),
    sampledSteps: int(env, 'BENCH_SAMPLED_TOKENS', 64, 0, 255),
    timeoutMs: int(env, 'BENCH_TIMEOUT_S', 300, 10, 3600) * 1000,
    python: read(env, 'BENCH_PYTHON') ?? '/usr/bin/python3',
    cacheDir,
    out: read(env, 'BENCH_OUT') ?? join(cacheDir, 'results', 'latest.md'),
  };
}
