// Shared test fixtures: the GPT-2 tokenizer loaded from the repository's model folder, the oracles
// (js-tiktoken, tiktoken WASM), the reference pre-tokenisation regex, and a seeded PRNG.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getEncoding } from 'js-tiktoken';
import { get_encoding, type Tiktoken } from 'tiktoken';
import { GPT2Tokenizer } from '../src/index.js';

export const MODELS = join(import.meta.dirname, '../../../models');
export const TINY = join(MODELS, 'gpt2-tiny');
export const ODD = join(MODELS, 'gpt2-odd');

export const VOCAB_TEXT = readFileSync(join(TINY, 'vocab.json'), 'utf8');
export const MERGES_TEXT = readFileSync(join(TINY, 'merges.txt'), 'utf8');
export const TOKENIZER_JSON_TEXT = readFileSync(join(TINY, 'tokenizer.json'), 'utf8');

let shared: GPT2Tokenizer | undefined;
/** The GPT-2 tokenizer from models/gpt2-tiny/vocab.json + merges.txt (one instance per test file). */
export function gpt2(): GPT2Tokenizer {
  shared ??= GPT2Tokenizer.fromFiles({ vocab: VOCAB_TEXT, merges: MERGES_TEXT });
  return shared;
}

/** js-tiktoken's `gpt2` encoding: the oracle (JavaScript regex engine). */
export const jsTiktoken = getEncoding('gpt2');

let wasm: Tiktoken | undefined;
/** OpenAI's tiktoken (Rust compiled to WASM) `gpt2` encoding; freed by {@link freeWasm}. */
export function tiktokenWasm(): Tiktoken {
  wasm ??= get_encoding('gpt2');
  return wasm;
}
export function freeWasm(): void {
  wasm?.free();
  wasm = undefined;
}

/**
 * U+0085 and U+FEFF: the two characters on which JavaScript's `\s` differs from Unicode White_Space (the `\s`
 * of tiktoken's Rust regex and of Hugging Face). Strings holding them are checked against tiktoken WASM.
 */
export const JS_WHITESPACE_DIVERGENCE = /[\u0085\ufeff]/;

const WS = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
/** GPT-2's pattern with `\s` spelled out as Unicode White_Space: tiktoken's semantics, run by the JS regex engine. */
export const REFERENCE_PATTERN = new RegExp(
  `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${WS}\\p{L}\\p{N}]+|[${WS}]+(?![^${WS}])|[${WS}]+`,
  'gu',
);

/** Pieces of `text` by the reference regex. */
export function referencePieces(text: string): string[] {
  return Array.from(text.matchAll(REFERENCE_PATTERN), (m) => m[0]);
}

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Replaces lone surrogates with U+FFFD (String.prototype.toWellFormed). */
export function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** Fixed fuzz seed, printed by the fuzz tests; GPT2JS_FUZZ_SEED overrides it. */
export const FUZZ_SEED = Number(process.env['GPT2JS_FUZZ_SEED'] ?? 20_240_612);
/** Multiplier for fuzz case counts (`pnpm fuzz` sets GPT2JS_FUZZ_SCALE). */
export const FUZZ_SCALE = Math.max(1, Number(process.env['GPT2JS_FUZZ_SCALE'] ?? 1));
