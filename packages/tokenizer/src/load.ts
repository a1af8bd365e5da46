// Loaders: Hugging Face tokenizer files (in memory, or through @gpt2js/hub) → a validated TokenizerModel.
//
// Sources, in order of preference: tokenizer.json (vocab, merges and added tokens in one file), else
// vocab.json + merges.txt with the added tokens of tokenizer_config.json (`added_tokens_decoder`),
// else `<|endoftext|>` as the one special token when the vocabulary has it (GPT-2's convention).

import type { HubOptions, ModelSource } from '@gpt2js/hub';
import { TokenizerError } from './errors.js';
import { parseJsonFile } from './json-error.js';
import type { AddedToken } from './special-tokens.js';
import { readAddedToken, readAddedTokens, readTokenizerJson } from './tokenizer-json.js';
import { buildModel, describe, type MergeRule, parseMergesText, type TokenizerModel } from './vocab.js';

/** Added-token description accepted by `fromFiles` (defaults: special false, no stripping, not single-word). */
export interface AddedTokenInit {
  id: number;
  content: string;
  special?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  singleWord?: boolean;
}

/** In-memory tokenizer files for `GPT2Tokenizer.fromFiles`. */
export interface TokenizerFiles {
  /** vocab.json: its text, or the parsed object (token string → id). */
  vocab: string | Readonly<Record<string, number>>;
  /** merges.txt: its text, or the rules in rank order ("left right" strings or [left, right] pairs). */
  merges: string | readonly MergeRule[];
  /** Added tokens. Default: `<|endoftext|>` as a special token when the vocabulary has it. */
  addedTokens?: readonly AddedTokenInit[];
}

const EOT = '<|endoftext|>';

/** Builds the model from vocab.json + merges.txt contents. */
export function modelFromFiles(
  files: TokenizerFiles,
  names = { vocab: 'vocab.json', merges: 'merges.txt' },
): TokenizerModel {
  if (typeof files !== 'object' || files === null) {
    throw new TokenizerError(
      'invalid_input',
      `fromFiles: expected { vocab, merges }, found ${describe(files)}.`,
    );
  }
  const vocab = typeof files.vocab === 'string' ? parseJsonFile(files.vocab, names.vocab) : files.vocab;
  let rules: readonly unknown[];
  let firstLine = 0;
  if (typeof files.merges === 'string') {
    const parsed = parseMergesText(files.merges, names.merges);
    rules = parsed.rules;
    firstLine = parsed.firstLine;
  } else if (Array.isArray(files.merges)) {
    rules = files.merges;
  } else {
    throw new TokenizerError(
      'malformed_file',
      `${names.merges}: expected its text or an array of merge rules, found ${describe(files.merges)}.`,
      { file: names.merges },
    );
  }
  let added: AddedToken[];
  if (files.addedTokens !== undefined) {
    added = readAddedTokens(
      files.addedTokens.map((t) => ({ ...t, single_word: t.singleWord, singleWord: undefined })),
      'addedTokens',
      'fromFiles',
    );
  } else {
    added = defaultAddedTokens(vocab);
  }
  return buildModel(
    vocab,
    rules,
    added,
    { vocab: names.vocab, merges: names.merges, added: 'addedTokens' },
    firstLine,
    typeof files.vocab === 'string',
  );
}

/** Builds the model from a tokenizer.json (text or parsed object). */
export function modelFromTokenizerJson(json: unknown, file = 'tokenizer.json'): TokenizerModel {
  const parts = readTokenizerJson(json, file);
  return buildModel(
    parts.vocab,
    parts.merges,
    parts.addedTokens,
    { vocab: `${file} model.vocab`, merges: `${file} model.merges`, added: `${file} added_tokens` },
    0,
    typeof json === 'string',
  );
}

/** Loads tokenizer files from a local directory, URL base or hub repo id (see file header). */
export async function loadPretrained(
  source: ModelSource,
  options: HubOptions,
): Promise<{ model: TokenizerModel; eosToken: string | undefined }> {
  if (typeof source !== 'string' || source.length === 0) {
    throw new TokenizerError(
      'invalid_input',
      `fromPretrained: source must be a local directory, an http(s) URL or a hub repo id, found ${describe(source)}.`,
    );
  }
  const [tokenizerJson, config] = await Promise.all([
    readOptional(source, 'tokenizer.json', options),
    readOptional(source, 'tokenizer_config.json', options),
  ]);
  const configJson = config === undefined ? undefined : parseJsonFile(config, 'tokenizer_config.json');
  const eosToken = readEosToken(configJson);
  if (tokenizerJson !== undefined) return { model: modelFromTokenizerJson(tokenizerJson), eosToken };
  const [vocab, merges] = await Promise.all([
    readOptional(source, 'vocab.json', options),
    readOptional(source, 'merges.txt', options),
  ]);
  if (vocab === undefined || merges === undefined) {
    const missing = [
      vocab === undefined ? 'vocab.json' : '',
      merges === undefined ? 'merges.txt' : '',
    ].filter(Boolean);
    throw new TokenizerError(
      'not_found',
      `fromPretrained: ${JSON.stringify(source)} has no tokenizer files: there is no tokenizer.json and no ${missing.join(' or ')}. ` +
        'Point it at a GPT-2-style model folder, URL or repo id (one with tokenizer.json, or vocab.json + merges.txt).',
    );
  }
  const addedTokens = readConfigAddedTokens(configJson);
  return { model: modelFromFiles({ vocab, merges, addedTokens }), eosToken };
}

/** The text of a file, or undefined when the source does not have it. */
async function readOptional(
  source: ModelSource,
  name: string,
  options: HubOptions,
): Promise<string | undefined> {
  // Imported on first use: tokenizers built from memory never load the I/O code.
  const { tryOpenModelFile } = await import('@gpt2js/hub');
  const file = await tryOpenModelFile(source, name, options);
  if (file === undefined) return undefined;
  try {
    return await file.text();
  } finally {
    await file.close();
  }
}

function defaultAddedTokens(vocab: unknown): AddedToken[] {
  const id =
    typeof vocab === 'object' && vocab !== null ? (vocab as Record<string, unknown>)[EOT] : undefined;
  return typeof id === 'number' && Object.hasOwn(vocab as object, EOT)
    ? [{ id, content: EOT, special: true, lstrip: false, rstrip: false, singleWord: false }]
    : [];
}

/** tokenizer_config.json `eos_token`: a string or an AddedToken object ({ content }). */
function readEosToken(config: unknown): string | undefined {
  if (typeof config !== 'object' || config === null) return undefined;
  const eos = (config as Record<string, unknown>)['eos_token'];
  if (eos === undefined || eos === null) return undefined;
  if (typeof eos === 'string') return eos;
  const content = typeof eos === 'object' ? (eos as Record<string, unknown>)['content'] : undefined;
  if (typeof content === 'string') return content;
  throw new TokenizerError(
    'malformed_file',
    `tokenizer_config.json: key "eos_token" must be a string or { "content": string }, found ${describe(eos)}.`,
    { file: 'tokenizer_config.json' },
  );
}

/** tokenizer_config.json `added_tokens_decoder`: { "<id>": { content, special, lstrip, rstrip, single_word } }. */
function readConfigAddedTokens(config: unknown): AddedTokenInit[] | undefined {
  if (typeof config !== 'object' || config === null) return undefined;
  const map = (config as Record<string, unknown>)['added_tokens_decoder'];
  if (map === undefined || map === null) return undefined;
  const file = 'tokenizer_config.json';
  if (typeof map !== 'object' || Array.isArray(map)) {
    throw new TokenizerError(
      'malformed_file',
      `${file}: key "added_tokens_decoder" must be an object, found ${describe(map)}.`,
      {
        file,
      },
    );
  }
  return Object.entries(map).map(([key, entry]) => {
    const id = /^\d+$/.test(key) ? Number(key) : Number.NaN;
    if (!Number.isSafeInteger(id)) {
      throw new TokenizerError(
        'malformed_file',
        `${file}: key "added_tokens_decoder.${key}" must be a token id (digits).`,
        { file },
      );
    }
    const t = readAddedToken(entry, `added_tokens_decoder.${key}`, file, id);
    return {
      id: t.id,
      content: t.content,
      special: t.special,
      lstrip: t.lstrip,
      rstrip: t.rstrip,
      singleWord: t.singleWord,
    };
  });
}
