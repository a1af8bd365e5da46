// Validation of the tokenizer's options and arguments, once at the public boundary, with the allowed
// values in each message.

import { TokenizerError } from './errors.js';
import { describe } from './vocab.js';

/** Options of a tokenizer instance (every loader takes them). */
export interface TokenizerOptions {
  /** Distinct pieces (words) whose BPE result is cached. Default 100,000; 0 disables; range 0–16,777,216. */
  cacheSize?: number;
  /** Text of the end-of-sequence token, reported as `eosTokenId`. Default `'<|endoftext|>'` when the vocabulary has it. */
  eosToken?: string;
}

/** Options of decode. */
export interface DecodeOptions {
  /** Throw TokenizerError 'invalid_utf8' instead of emitting U+FFFD for bytes that are not UTF-8. Default false. */
  strict?: boolean;
  /** Leave special tokens (such as `<|endoftext|>`) out of the text. Default false. */
  skipSpecialTokens?: boolean;
}

export const DEFAULT_CACHE_SIZE = 100_000;
export const MAX_CACHE_SIZE = 1 << 24;

export function checkOptions(options: TokenizerOptions): TokenizerOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TokenizerError(
      'invalid_option',
      `tokenizer options must be an object, found ${describe(options)}.`,
    );
  }
  const { cacheSize, eosToken } = options;
  if (
    cacheSize !== undefined &&
    !(Number.isInteger(cacheSize) && cacheSize >= 0 && cacheSize <= MAX_CACHE_SIZE)
  ) {
    throw new TokenizerError(
      'invalid_option',
      `cacheSize is ${describe(cacheSize)}; expected an integer in [0, ${MAX_CACHE_SIZE}] (default ${DEFAULT_CACHE_SIZE}).`,
    );
  }
  if (eosToken !== undefined && typeof eosToken !== 'string') {
    throw new TokenizerError('invalid_option', `eosToken is ${describe(eosToken)}; expected a token string.`);
  }
  return options;
}

export function checkIds(ids: unknown, method: string): void {
  if (!Array.isArray(ids) && !(ArrayBuffer.isView(ids) && !(ids instanceof DataView))) {
    throw new TokenizerError(
      'invalid_input',
      `${method}: expected an array (or typed array) of token ids, found ${describe(ids)}.`,
    );
  }
}

export function checkDecodeOptions(
  options: DecodeOptions | undefined,
  method: string,
): Required<DecodeOptions> {
  if (options === undefined) return { strict: false, skipSpecialTokens: false };
  if (typeof options !== 'object' || options === null) {
    throw new TokenizerError(
      'invalid_option',
      `${method}: options must be an object, found ${describe(options)}.`,
    );
  }
  for (const key of ['strict', 'skipSpecialTokens'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'boolean') {
      throw new TokenizerError(
        'invalid_option',
        `${method}: ${key} is ${describe(options[key])}; expected true or false.`,
      );
    }
  }
  return { strict: options.strict === true, skipSpecialTokens: options.skipSpecialTokens === true };
}
