// The CLI's command line: the option table (parsed with node:util parseArgs), and the validation of
// every value once, at the boundary, with the allowed range in the message.
import { parseArgs } from 'node:util';
import { DemoError } from './errors.js';

/** Backends accepted by `--backend` ('auto' lets @gpt2js/tensor choose). */
export const BACKENDS = ['auto', 'webgpu', 'webgl2', 'webgl', 'headlessgl', 'webasm', 'cpu'] as const;
/** Weight storages accepted by `--dtype`. */
export const DTYPES = ['f32', 'f16', 'int8'] as const;
/** KV cache storages accepted by `--kv-cache`. */
export const KV_CACHE_DTYPES = ['f32', 'f16'] as const;

export type BackendChoice = (typeof BACKENDS)[number];
export type DTypeChoice = (typeof DTYPES)[number];
export type KVCacheChoice = (typeof KV_CACHE_DTYPES)[number];

/** Default number of new tokens (Hugging Face's text-generation pipeline for GPT-2 stops at 50 tokens). */
export const DEFAULT_MAX_NEW_TOKENS = 50;

/** Validated command line. `undefined` means "not given" (the model's generation_config then decides). */
export interface CliOptions {
  prompt: string | undefined; // from the arguments; stdin is read later, only when this is undefined
  model: string | undefined;
  maxNewTokens: number;
  temperature: number | undefined;
  topK: number | undefined;
  topP: number | undefined;
  repetitionPenalty: number | undefined;
  seed: number | undefined;
  greedy: boolean;
  numReturnSequences: number;
  backend: BackendChoice;
  dtype: DTypeChoice;
  kvCache: KVCacheChoice;
  config: boolean;
  summary: boolean;
  json: boolean;
  help: boolean;
  version: boolean;
}

const spec = {
  model: { type: 'string', short: 'm' },
  'max-new-tokens': { type: 'string', short: 'n' },
  temperature: { type: 'string', short: 't' },
  'top-k': { type: 'string' },
  'top-p': { type: 'string' },
  'repetition-penalty': { type: 'string' },
  seed: { type: 'string', short: 's' },
  greedy: { type: 'boolean' },
  'num-return-sequences': { type: 'string' },
  backend: { type: 'string', short: 'b' },
  dtype: { type: 'string' },
  'kv-cache': { type: 'string' },
  config: { type: 'boolean' },
  summary: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

type Values = { [K in keyof typeof spec]?: (typeof spec)[K]['type'] extends 'string' ? string : boolean };

function bad(option: string, expected: string, got: string): DemoError {
  return new DemoError('bad_option', `--${option} must be ${expected}, got ${JSON.stringify(got)}`);
}

function integer(option: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]`;
  if (!/^[+-]?\d+$/.test(raw.trim())) throw bad(option, range, raw);
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw bad(option, range, raw);
  return n;
}

function real(
  option: string,
  raw: string | undefined,
  ok: (x: number) => boolean,
  range: string,
): number | undefined {
  if (raw === undefined) return undefined;
  const n = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(n) || !ok(n)) throw bad(option, range, raw);
  return n;
}

function oneOf<T extends string>(
  option: string,
  raw: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw bad(option, `one of ${allowed.join(', ')}`, raw);
  return raw as T;
}

function parse(argv: readonly string[]): { values: Values; positionals: string[] } {
  try {
    return parseArgs({ args: [...argv], options: spec, allowPositionals: true, strict: true }) as {
      values: Values;
      positionals: string[];
    };
  } catch (e) {
    const code = (e as { code?: string }).code;
    const message = (e as Error).message ?? String(e);
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const name = /'([^']+)'/.exec(message)?.[1] ?? message;
      throw new DemoError('unknown_option', `unknown option ${name} (run gpt2js --help for the list)`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const name = /Option '(?:-\w, )?(--[\w-]+)/.exec(message)?.[1] ?? 'an option';
      const problem = /argument missing/.test(message)
        ? 'needs a value'
        : /ambiguous/.test(message)
          ? `has a value starting with "-": write it as ${name}=VALUE`
          : 'takes no value';
      throw new DemoError('bad_option', `${name} ${problem} (run gpt2js --help)`);
    }
    throw new DemoError('usage', message.split('\n')[0]);
  }
}

/**
 * Parses and validates the command line (without the node and script paths).
 *
 * @example
 * parseCliOptions(['--greedy', '-n', '20', 'Hello']).maxNewTokens; // 20
 */
export function parseCliOptions(argv: readonly string[]): CliOptions {
  const { values: v, positionals } = parse(argv);
  const options: CliOptions = {
    prompt: positionals.length > 0 ? positionals.join(' ') : undefined,
    model: v.model,
    maxNewTokens: integer('max-new-tokens', v['max-new-tokens'], 1, 1_000_000) ?? DEFAULT_MAX_NEW_TOKENS,
    temperature: real('temperature', v.temperature, (x) => x > 0 && x <= 100, 'a number in (0, 100]'),
    topK: integer('top-k', v['top-k'], 0, Number.MAX_SAFE_INTEGER),
    topP: real('top-p', v['top-p'], (x) => x > 0 && x <= 1, 'a number in (0, 1]'),
    repetitionPenalty: real(
      'repetition-penalty',
      v['repetition-penalty'],
      (x) => x > 0 && x <= 100,
      'a number in (0, 100]',
    ),
    seed: integer('seed', v.seed, 0, 2 ** 32 - 1),
    greedy: v.greedy ?? false,
    numReturnSequences: integer('num-return-sequences', v['num-return-sequences'], 1, 64) ?? 1,
    backend: oneOf('backend', v.backend, BACKENDS, 'auto'),
    dtype: oneOf('dtype', v.dtype, DTYPES, 'f32'),
    kvCache: oneOf('kv-cache', v['kv-cache'], KV_CACHE_DTYPES, 'f32'),
    config: v.config ?? false,
    summary: v.summary ?? false,
    json: v.json ?? false,
    help: v.help ?? false,
    version: v.version ?? false,
  };
  if (options.model !== undefined && options.model.trim() === '') {
    throw bad('model', 'a local directory, a URL or a hub id', options.model);
  }
  if (options.greedy) {
    for (const [flag, value] of [
      ['temperature', options.temperature],
      ['top-k', options.topK],
      ['top-p', options.topP],
    ] as const) {
      if (value !== undefined) {
        throw new DemoError(
          'usage',
          `--greedy picks the most likely token, so --${flag} has no effect: drop one of them`,
        );
      }
    }
    if (options.numReturnSequences > 1) {
      throw new DemoError(
        'usage',
        '--greedy gives the same sequence every time, so --num-return-sequences must be 1 (drop --greedy to sample several)',
      );
    }
  }
  return options;
}
