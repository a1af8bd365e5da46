// Reads a Hugging Face tokenizers `tokenizer.json` (and the added tokens of `tokenizer_config.json`).
//
// Accepted: model.type "BPE" with vocab + merges (merges as "left right" strings or [left, right] pairs),
// a ByteLevel pre-tokenizer without add_prefix_space, no normalizer, added_tokens. Anything that would make
// the result differ from GPT-2 byte-level BPE is refused with 'unsupported' rather than silently ignored.

import { TokenizerError } from './errors.js';
import { parseJsonFile } from './json-error.js';
import type { AddedToken } from './special-tokens.js';
import { describe } from './vocab.js';

/** The parts of a tokenizer.json this package uses. */
export interface TokenizerJsonParts {
  vocab: unknown;
  merges: readonly unknown[];
  addedTokens: AddedToken[];
}

/** Validates a tokenizer.json (text or parsed) and extracts vocab, merges and added tokens. */
export function readTokenizerJson(json: unknown, file = 'tokenizer.json'): TokenizerJsonParts {
  const root = typeof json === 'string' ? parseJsonFile(json, file) : json;
  const fail = (code: 'malformed_file' | 'unsupported', message: string): never => {
    throw new TokenizerError(code, `${file}: ${message}`, { file });
  };
  if (!isObject(root)) return fail('malformed_file', `expected a JSON object, found ${describe(root)}.`);
  const model = root['model'];
  if (!isObject(model))
    return fail('malformed_file', `key "model" must be an object, found ${describe(model)}.`);
  if (model['type'] !== undefined && model['type'] !== 'BPE') {
    fail(
      'unsupported',
      `model.type is ${JSON.stringify(model['type'])}; this package implements byte-level BPE ("BPE") only.`,
    );
  }
  for (const key of ['continuing_subword_prefix', 'end_of_word_suffix'] as const) {
    const v = model[key];
    if (v !== undefined && v !== null && v !== '') {
      fail(
        'unsupported',
        `model.${key} is ${JSON.stringify(v)}; GPT-2 byte-level BPE uses none (null or "").`,
      );
    }
  }
  const dropout = model['dropout'];
  if (dropout !== undefined && dropout !== null && dropout !== 0) {
    fail(
      'unsupported',
      `model.dropout is ${JSON.stringify(dropout)}; BPE dropout is a training-time option, expected null.`,
    );
  }
  if (model['ignore_merges'] === true) {
    fail('unsupported', 'model.ignore_merges is true; GPT-2 BPE always applies the merges (expected false).');
  }
  if (!isObject(model['vocab'])) {
    fail(
      'malformed_file',
      `key "model.vocab" must be an object of token → id, found ${describe(model['vocab'])}.`,
    );
  }
  if (!Array.isArray(model['merges'])) {
    fail(
      'malformed_file',
      `key "model.merges" must be an array of merge rules, found ${describe(model['merges'])}.`,
    );
  }
  const normalizer = root['normalizer'];
  if (normalizer !== undefined && normalizer !== null) {
    fail('unsupported', `normalizer is ${typeName(normalizer)}; GPT-2 has none (null).`);
  }
  checkByteLevel(root['pre_tokenizer'], 'pre_tokenizer', fail);
  const decoder = root['decoder'];
  if (decoder !== undefined && decoder !== null) checkByteLevel(decoder, 'decoder', fail);
  return {
    vocab: model['vocab'],
    merges: model['merges'] as unknown[],
    addedTokens: readAddedTokens(root['added_tokens'], 'added_tokens', file),
  };
}

function checkByteLevel(
  value: unknown,
  key: string,
  fail: (code: 'malformed_file' | 'unsupported', message: string) => never,
): void {
  if (!isObject(value)) {
    fail('unsupported', `${key} is ${describe(value)}; expected a ByteLevel ${key} as in GPT-2.`);
    return;
  }
  if (value['type'] !== 'ByteLevel') {
    fail(
      'unsupported',
      `${key}.type is ${typeName(value)}; this package implements GPT-2's ByteLevel ${key} only.`,
    );
  }
  if (key === 'pre_tokenizer' && value['add_prefix_space'] === true) {
    fail(
      'unsupported',
      'pre_tokenizer.add_prefix_space is true; GPT-2 uses false (prepend the space yourself).',
    );
  }
  if (key === 'pre_tokenizer' && value['use_regex'] === false) {
    fail('unsupported', 'pre_tokenizer.use_regex is false; GPT-2 splits with its regex (true).');
  }
}

/**
 * Validates an `added_tokens` array (tokenizer.json) and returns it in our form.
 * Each entry: { id: integer ≥ 0, content: non-empty string, special?, lstrip?, rstrip?, single_word?: boolean }.
 */
export function readAddedTokens(value: unknown, key: string, file: string): AddedToken[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new TokenizerError(
      'malformed_file',
      `${file}: key "${key}" must be an array, found ${describe(value)}.`,
      { file },
    );
  }
  return value.map((entry, i) => readAddedToken(entry, `${key}[${i}]`, file, undefined));
}

/** One added-token entry; `id` comes from the entry or, for tokenizer_config.json's map, from its key. */
export function readAddedToken(
  entry: unknown,
  key: string,
  file: string,
  id: number | undefined,
): AddedToken {
  const bad = (field: string, expected: string, found: unknown): never => {
    throw new TokenizerError(
      'malformed_file',
      `${file}: key "${key}${field}" must be ${expected}, found ${describe(found)}.`,
      { file },
    );
  };
  if (!isObject(entry)) return bad('', 'an object with id and content', entry);
  const tokenId = id ?? entry['id'];
  if (typeof tokenId !== 'number' || !Number.isInteger(tokenId) || tokenId < 0 || tokenId >= 0x7fffffff) {
    bad('.id', 'an integer token id ≥ 0', tokenId);
  }
  const content = entry['content'];
  if (typeof content !== 'string' || content.length === 0) bad('.content', 'a non-empty string', content);
  const flag = (name: string, fallback: boolean): boolean => {
    const v = entry[name];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') bad(`.${name}`, 'true or false', v);
    return v as boolean;
  };
  return {
    id: tokenId as number,
    content: content as string,
    special: flag('special', false),
    lstrip: flag('lstrip', false),
    rstrip: flag('rstrip', false),
    singleWord: flag('single_word', false),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  return isObject(value) ? JSON.stringify(value['type'] ?? '(no type)') : describe(value);
}
