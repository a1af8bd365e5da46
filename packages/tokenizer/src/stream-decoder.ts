// Incremental decoding for generation: push one token id at a time, get back only whole characters.
//
// A character split across tokens (an emoji is often two or three GPT-2 tokens) is held back until its
// last byte arrives, so the stream never shows U+FFFD for a character that later completes. Bytes that
// can never become a character are handled by the mode: lossy (default) emits U+FFFD exactly where
// decode(ids) would; strict throws TokenizerError 'invalid_utf8'. The concatenation of every push()
// and the final flush() equals decode(allIds) in lossy mode (WHATWG streaming UTF-8 decoding).

import type { TokenBytes } from './decode.js';
import { TokenizerError } from './errors.js';

/** Options of {@link StreamDecoder}. */
export interface StreamDecoderOptions {
  /** Throw TokenizerError 'invalid_utf8' on bytes that are not UTF-8, instead of emitting U+FFFD. Default false. */
  strict?: boolean;
  /** Emit nothing for special tokens such as `<|endoftext|>`. Default false. */
  skipSpecialTokens?: boolean;
}

/**
 * Decodes a stream of token ids into text, emitting text only at whole UTF-8 characters.
 * Create one with `tokenizer.createStreamDecoder()`.
 *
 * @example
 * ```ts
 * const stream = tokenizer.createStreamDecoder();
 * for (const id of ids) process.stdout.write(stream.push(id));
 * process.stdout.write(stream.flush());
 * ```
 */
export class StreamDecoder {
  private decoder: TextDecoder;
  private readonly strict: boolean;
  private readonly skipSpecial: boolean;
  private count = 0;

  /** @internal use `tokenizer.createStreamDecoder()` */
  constructor(
    private readonly table: TokenBytes,
    options: StreamDecoderOptions = {},
  ) {
    if (typeof options !== 'object' || options === null) {
      throw new TokenizerError(
        'invalid_option',
        `createStreamDecoder: options must be an object, found ${typeof options}.`,
      );
    }
    this.strict = options.strict === true;
    this.skipSpecial = options.skipSpecialTokens === true;
    this.decoder = new TextDecoder('utf-8', { fatal: this.strict, ignoreBOM: true });
  }

  /** Number of ids pushed so far. */
  get tokens(): number {
    return this.count;
  }

  /** Feeds one id (or several); returns the text of the characters completed by it ('' while one is incomplete). */
  push(id: number | ArrayLike<number>): string {
    const ids = typeof id === 'number' ? [id] : id;
    const bytes = this.table.concat(ids, 'StreamDecoder.push', this.skipSpecial);
    this.count += ids.length;
    if (!this.strict) return this.decoder.decode(bytes, { stream: true });
    try {
      return this.decoder.decode(bytes, { stream: true });
    } catch (error) {
      throw this.invalid(
        bytes,
        error,
        `StreamDecoder.push: token #${this.count} (id ${ids[ids.length - 1]})`,
      );
    }
  }

  /** Ends the stream: returns what is left (U+FFFD for an unfinished character in lossy mode) and resets. */
  flush(): string {
    try {
      return this.decoder.decode();
    } catch (error) {
      throw this.invalid(undefined, error, 'StreamDecoder.flush: the stream ends inside a character');
    }
  }

  private invalid(bytes: Uint8Array | undefined, error: unknown, what: string): TokenizerError {
    // A fatal TextDecoder that threw is reset by the throw; start clean anyway.
    this.decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    const hex =
      bytes === undefined
        ? ''
        : ` (its bytes: ${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ')})`;
    return new TokenizerError(
      'invalid_utf8',
      `${what}${hex}: the byte stream is not valid UTF-8. ` +
        'Use a lossy decoder (createStreamDecoder() without strict) to get U+FFFD instead.',
      { cause: error },
    );
  }
}
