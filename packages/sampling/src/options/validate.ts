// Validates generation options once, at the boundary: types, ranges, cross-option rules, unknown names.
// Every error names the option, the allowed range and the value found.

import { GenerationOptionError } from '../errors.js';
import type { GenerationConfig, GenerationOptions } from './generation-options.js';
import { closestName } from './suggest.js';

/** Every generation option this package understands (HF `GenerationConfig` names plus `logit_bias`, the OpenAI penalties and `on_context_overflow`). */
export const GENERATION_OPTION_NAMES = [
  'max_new_tokens',
  'max_length',
  'min_new_tokens',
  'min_length',
  'do_sample',
  'temperature',
  'top_k',
  'top_p',
  'min_p',
  'typical_p',
  'epsilon_cutoff',
  'eta_cutoff',
  'repetition_penalty',
  'presence_penalty',
  'frequency_penalty',
  'no_repeat_ngram_size',
  'bad_words_ids',
  'sequence_bias',
  'logit_bias',
  'suppress_tokens',
  'begin_suppress_tokens',
  'forced_bos_token_id',
  'forced_eos_token_id',
  'remove_invalid_values',
  'renormalize_logits',
  'num_beams',
  'length_penalty',
  'early_stopping',
  'num_return_sequences',
  'bos_token_id',
  'eos_token_id',
  'pad_token_id',
  'stop_strings',
  'seed',
  'on_context_overflow',
] as const satisfies readonly (keyof GenerationOptions)[];

/** generation_config.json keys that do not change which tokens are produced; accepted and ignored. */
const IGNORED_HF_KEYS = new Set([
  '_from_model_config',
  'transformers_version',
  '_commit_hash',
  '_original_object_hash',
  'output_attentions',
  'output_hidden_states',
  'output_scores',
  'output_logits',
  'return_dict_in_generate',
  'use_cache',
  'cache_implementation',
  'cache_config',
  'return_legacy_cache',
  'prefill_chunk_size',
  'low_memory',
  'compile_config',
  'disable_compile',
  'is_assistant',
  'num_assistant_tokens',
  'num_assistant_tokens_schedule',
  'assistant_confidence_threshold',
  'prompt_lookup_num_tokens',
  'max_matching_ngram_size',
  'assistant_early_exit',
  'assistant_lookbehind',
  'target_lookbehind',
  'decoder_start_token_id',
  'trust_remote_code',
  'generation_kwargs',
]);

/** HF options that change decoding but are not implemented here: accepted only at their no-op value. */
const UNSUPPORTED_HF_KEYS: Record<string, (value: unknown) => boolean> = {
  num_beam_groups: (v) => v === 1,
  diversity_penalty: (v) => v === 0,
  penalty_alpha: (v) => v === 0,
  dola_layers: () => false,
  encoder_repetition_penalty: (v) => v === 1,
  encoder_no_repeat_ngram_size: (v) => v === 0,
  force_words_ids: () => false,
  constraints: () => false,
  exponential_decay_length_penalty: () => false,
  forced_decoder_ids: () => false,
  guidance_scale: (v) => v === 1,
  watermarking_config: () => false,
  max_time: () => false,
  token_healing: (v) => v === false,
  top_h: () => false,
};

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'object' && value !== null) {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  }
  return String(value);
}

function fail(option: string, allowed: string, value: unknown, hint?: string): never {
  const message = `${option} must be ${allowed}, got ${show(value)}${hint ? ` (${hint})` : ''}`;
  throw new GenerationOptionError(option, allowed, message);
}

type Bag = Record<string, unknown>;

function int(bag: Bag, name: string, min: number, fallback: number): number;
function int(bag: Bag, name: string, min: number, fallback: undefined): number | undefined;
function int(bag: Bag, name: string, min: number, fallback: number | undefined): number | undefined {
  const v = bag[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) fail(name, `an integer ≥ ${min}`, v);
  return v;
}

function num(
  bag: Bag,
  name: string,
  ok: (v: number) => boolean,
  allowed: string,
  fallback: number,
  hint?: string,
): number {
  const v = bag[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || Number.isNaN(v) || !ok(v)) fail(name, allowed, v, hint);
  return v;
}

function bool(bag: Bag, name: string, fallback: boolean): boolean {
  const v = bag[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') fail(name, 'true or false', v);
  return v;
}

function isTokenId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function tokenId(bag: Bag, name: string): number | undefined {
  const v = bag[name];
  if (v === undefined) return undefined;
  if (!isTokenId(v)) fail(name, 'a token id (an integer ≥ 0)', v);
  return v;
}

function tokenIds(bag: Bag, name: string, allowSingle: boolean): number[] {
  const v = bag[name];
  if (v === undefined) return [];
  if (allowSingle && isTokenId(v)) return [v];
  const allowed = allowSingle
    ? 'a token id or an array of token ids (integers ≥ 0)'
    : 'an array of token ids (integers ≥ 0)';
  if (!Array.isArray(v) || !v.every(isTokenId)) fail(name, allowed, v);
  return [...v];
}

function tokenSequences(bag: Bag, name: string): number[][] {
  const v = bag[name];
  if (v === undefined) return [];
  const allowed = 'an array of non-empty arrays of token ids, e.g. [[318], [257, 1332]]';
  if (!Array.isArray(v) || !v.every((s) => Array.isArray(s) && s.length > 0 && s.every(isTokenId))) {
    fail(name, allowed, v);
  }
  return v.map((s: number[]) => [...s]);
}

function sequenceBias(bag: Bag): [number[], number][] {
  const out: [number[], number][] = [];
  const seq = bag['sequence_bias'];
  if (seq !== undefined) {
    const allowed = 'an array of [[token ids…], bias] pairs with a finite or -Infinity bias';
    if (!Array.isArray(seq)) fail('sequence_bias', allowed, seq);
    for (const pair of seq) {
      const ok =
        Array.isArray(pair) &&
        pair.length === 2 &&
        Array.isArray(pair[0]) &&
        pair[0].length > 0 &&
        pair[0].every(isTokenId) &&
        typeof pair[1] === 'number' &&
        !Number.isNaN(pair[1]) &&
        pair[1] !== Number.POSITIVE_INFINITY;
      if (!ok) fail('sequence_bias', allowed, pair);
      out.push([[...pair[0]], pair[1]]);
    }
  }
  const bias = bag['logit_bias'];
  if (bias !== undefined) {
    const allowed = 'an object { tokenId: bias } with integer keys ≥ 0 and finite or -Infinity biases';
    if (typeof bias !== 'object' || bias === null || Array.isArray(bias)) fail('logit_bias', allowed, bias);
    for (const [key, value] of Object.entries(bias)) {
      const id = Number(key);
      const ok =
        /^\d+$/.test(key) &&
        isTokenId(id) &&
        typeof value === 'number' &&
        !Number.isNaN(value) &&
        value !== Number.POSITIVE_INFINITY;
      if (!ok) fail('logit_bias', allowed, { [key]: value });
      out.push([[id], value as number]);
    }
  }
  return out;
}

function stopStrings(bag: Bag): string[] {
  const v = bag['stop_strings'];
  if (v === undefined) return [];
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string' && s.length > 0)) {
    fail('stop_strings', 'a non-empty string or an array of non-empty strings', v);
  }
  return [...list];
}

function seed(bag: Bag): number | bigint | undefined {
  const v = bag['seed'];
  if (v === undefined) return undefined;
  const ok =
    (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) ||
    (typeof v === 'bigint' && v >= 0n && v < 1n << 64n);
  if (!ok) fail('seed', 'an integer in [0, 2^53) or a bigint in [0, 2^64)', v);
  return v as number | bigint;
}

function checkNames(bag: Bag, extraAllowed: readonly string[]): void {
  const known = new Set<string>([...GENERATION_OPTION_NAMES, ...extraAllowed]);
  for (const key of Object.keys(bag)) {
    if (known.has(key) || IGNORED_HF_KEYS.has(key)) continue;
    const inert = UNSUPPORTED_HF_KEYS[key];
    if (inert !== undefined) {
      if (inert(bag[key])) continue;
      throw new GenerationOptionError(
        key,
        'unset',
        `${key} is a Hugging Face generation option that @gpt2js/sampling does not implement; remove it (got ${show(bag[key])})`,
      );
    }
    const suggestion = closestName(key, [...known]);
    const hint = suggestion ? `; did you mean ${suggestion}?` : '';
    throw new GenerationOptionError(
      key,
      'a known option name',
      `unknown generation option ${key}${hint} Options use Hugging Face's snake_case names: ${GENERATION_OPTION_NAMES.join(', ')}`,
    );
  }
}

/**
 * Checks every option and fills in defaults. Keys whose value is `undefined` or `null` count as absent
 * (generation_config.json writes `null` for unset fields). `extraAllowed` names non-generation keys that
 * may share the object (the loop passes `signal`, `decode`, `onToken`, `onStep`, `stepTopK`).
 *
 * @throws GenerationOptionError naming the option, the allowed range and the value found.
 * @example
 * ```ts
 * validateGenerationOptions({ top_p: 0 }); // throws: top_p must be a number in (0, 1], got 0
 * validateGenerationOptions({ ...generationConfigJson, max_new_tokens: 30 }).eos_token_id; // [50256]
 * ```
 */
export function validateGenerationOptions(
  options: GenerationOptions | Record<string, unknown> = {},
  extraAllowed: readonly string[] = [],
): GenerationConfig {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new GenerationOptionError(
      'options',
      'an object',
      `options must be an object, got ${show(options)}`,
    );
  }
  const bag: Bag = {};
  for (const [k, v] of Object.entries(options)) if (v !== undefined && v !== null) bag[k] = v;
  checkNames(bag, extraAllowed);

  const earlyStopping = bag['early_stopping'];
  if (earlyStopping !== undefined && typeof earlyStopping !== 'boolean' && earlyStopping !== 'never') {
    fail('early_stopping', "true, false or 'never'", earlyStopping);
  }
  const overflow = bag['on_context_overflow'];
  if (overflow !== undefined && overflow !== 'error' && overflow !== 'stop' && overflow !== 'truncate_left') {
    fail('on_context_overflow', "'error', 'stop' or 'truncate_left'", overflow);
  }
  const unit = (v: number) => v > 0 && v <= 1;
  const config: GenerationConfig = {
    max_new_tokens: int(bag, 'max_new_tokens', 1, undefined),
    max_length: int(bag, 'max_length', 1, undefined),
    min_new_tokens: int(bag, 'min_new_tokens', 0, 0),
    min_length: int(bag, 'min_length', 0, 0),
    do_sample: bool(bag, 'do_sample', false),
    temperature: num(
      bag,
      'temperature',
      (v) => v >= 0 && Number.isFinite(v),
      'a finite number ≥ 0',
      1,
      '0 means greedy',
    ),
    top_k: int(bag, 'top_k', 0, 50),
    top_p: num(bag, 'top_p', unit, 'a number in (0, 1]', 1),
    min_p:
      bag['min_p'] === undefined
        ? undefined
        : num(bag, 'min_p', (v) => v >= 0 && v <= 1, 'a number in [0, 1]', 0),
    typical_p: num(bag, 'typical_p', unit, 'a number in (0, 1]', 1),
    epsilon_cutoff: num(bag, 'epsilon_cutoff', (v) => v >= 0 && v < 1, 'a number in [0, 1)', 0),
    eta_cutoff: num(bag, 'eta_cutoff', (v) => v >= 0 && v < 1, 'a number in [0, 1)', 0),
    repetition_penalty: num(
      bag,
      'repetition_penalty',
      (v) => v > 0 && Number.isFinite(v),
      'a finite number > 0',
      1,
      '1 means no penalty',
    ),
    presence_penalty: num(
      bag,
      'presence_penalty',
      Number.isFinite,
      'a finite number (OpenAI uses [-2, 2])',
      0,
    ),
    frequency_penalty: num(
      bag,
      'frequency_penalty',
      Number.isFinite,
      'a finite number (OpenAI uses [-2, 2])',
      0,
    ),
    no_repeat_ngram_size: int(bag, 'no_repeat_ngram_size', 0, 0),
    bad_words_ids: tokenSequences(bag, 'bad_words_ids'),
    sequence_bias: sequenceBias(bag),
    suppress_tokens: tokenIds(bag, 'suppress_tokens', false),
    begin_suppress_tokens: tokenIds(bag, 'begin_suppress_tokens', false),
    forced_bos_token_id: tokenId(bag, 'forced_bos_token_id'),
    forced_eos_token_id: tokenIds(bag, 'forced_eos_token_id', true),
    remove_invalid_values: bool(bag, 'remove_invalid_values', false),
    renormalize_logits: bool(bag, 'renormalize_logits', false),
    num_beams: int(bag, 'num_beams', 1, 1),
    length_penalty: num(bag, 'length_penalty', Number.isFinite, 'a finite number', 1),
    early_stopping: (earlyStopping as boolean | 'never' | undefined) ?? false,
    num_return_sequences: int(bag, 'num_return_sequences', 1, 1),
    bos_token_id: tokenId(bag, 'bos_token_id'),
    eos_token_id: tokenIds(bag, 'eos_token_id', true),
    pad_token_id: tokenId(bag, 'pad_token_id'),
    stop_strings: stopStrings(bag),
    seed: seed(bag),
    on_context_overflow: (overflow as GenerationConfig['on_context_overflow'] | undefined) ?? 'error',
  };

  const n = config.num_return_sequences;
  if (config.num_beams > 1 && n > config.num_beams) {
    fail('num_return_sequences', `an integer in [1, num_beams = ${config.num_beams}] with beam search`, n);
  }
  if (config.num_beams === 1 && n > 1 && !sampling(config)) {
    fail(
      'num_return_sequences',
      '1 for greedy decoding',
      n,
      'set do_sample: true or num_beams ≥ num_return_sequences',
    );
  }
  if (config.num_beams > 1 && config.stop_strings.length > 0) {
    fail('stop_strings', 'unset with beam search (num_beams > 1)', config.stop_strings);
  }
  return config;
}

/** True when tokens are drawn at random (do_sample with a non-zero temperature). */
export function sampling(config: GenerationConfig): boolean {
  return config.do_sample && config.temperature > 0;
}
