// Typed errors of @gpt2js/tokenizer. Every failure the package raises on purpose is a TokenizerError
// with a stable `code`; messages name the thing (file, line, key, id), what was expected and the fix.

/** Stable machine-readable reasons a {@link TokenizerError} is raised. */
export type TokenizerErrorCode =
  /** `encode`/`decode` got a value of the wrong type (not a string, not an array of integers). */
  | 'invalid_input'
  /** An option is out of its documented range. */
  | 'invalid_option'
  /** Special-token text found in the input while it is disallowed (the default, like tiktoken). */
  | 'disallowed_special'
  /** `decode` got an id that is not in the vocabulary. */
  | 'unknown_id'
  /** Strict decoding met bytes that are not valid UTF-8. */
  | 'invalid_utf8'
  /** vocab.json, merges.txt, tokenizer.json or tokenizer_config.json is malformed. */
  | 'malformed_file'
  /** The file describes a tokenizer this package does not implement (not GPT-2-style byte-level BPE). */
  | 'unsupported'
  /** `fromPretrained` found no tokenizer files at the source. */
  | 'not_found';

const MARKER = Symbol.for('gpt2js.error');

/**
 * The error class of @gpt2js/tokenizer.
 *
 * @example
 * ```ts
 * try { tok.encode('<|endoftext|>'); }
 * catch (e) { if (TokenizerError.isInstance(e) && e.code === 'disallowed_special') … }
 * ```
 */
export class TokenizerError extends Error {
  /** Why it was raised; stable across versions. */
  readonly code: TokenizerErrorCode;
  /** The file the error is about, when it is about a file (e.g. `merges.txt`). */
  readonly file: string | undefined;
  readonly [MARKER] = true;

  constructor(code: TokenizerErrorCode, message: string, options?: { file?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TokenizerError';
    this.code = code;
    this.file = options?.file;
  }

  /** True for a TokenizerError, also one from another copy of this package (checked by marker, not `instanceof`). */
  static isInstance(error: unknown): error is TokenizerError {
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as Record<symbol, unknown>)[MARKER] === true &&
      (error as { name?: unknown }).name === 'TokenizerError'
    );
  }
}
