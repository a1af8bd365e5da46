// Token ids → bytes → text.
//
// Every id's bytes live in one pool (Uint8Array) with start/length tables, built once at load, so decoding
// is a copy loop into one buffer and a single native TextDecoder call: no per-token strings or arrays.
// Invalid UTF-8 (a token sequence that splits a character and never completes it) becomes U+FFFD in
// lossy mode, with the same replacement rule as Python's errors='replace' (Hugging Face, tiktoken),
// or throws in strict mode.

import { CHAR_CODE_TO_BYTE } from './byte-unicode.js';
import { TokenizerError } from './errors.js';

const utf8 = new TextEncoder();
const lossy = new TextDecoder('utf-8', { ignoreBOM: true });
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The bytes of every token id. */
export class TokenBytes {
  /** All tokens' bytes back to back. */
  readonly pool: Uint8Array;
  /** start[id]: offset of the id's bytes in the pool. */
  readonly start: Int32Array;
  /** length[id]: byte length, or -1 for an id no token uses. */
  readonly length: Int32Array;
  /** special[id] = 1 for special added tokens (skipped by skipSpecialTokens). */
  readonly special: Uint8Array;
  private buffer: Uint8Array = new Uint8Array(1 << 16);

  /**
   * @param idToToken vocabulary strings in the byte alphabet (and added-token contents)
   * @param textIds ids whose string is text, not byte-alphabet (added tokens): their bytes are its UTF-8
   * @param specialIds ids of special tokens
   */
  constructor(
    idToToken: readonly (string | undefined)[],
    textIds: ReadonlySet<number>,
    specialIds: ReadonlySet<number>,
  ) {
    const n = idToToken.length;
    this.start = new Int32Array(n);
    this.length = new Int32Array(n).fill(-1);
    this.special = new Uint8Array(n);
    // Pass 1: byte lengths. A byte-alphabet string has one byte per character; anything else (added
    // tokens, or a vocabulary string with a character outside the alphabet, decoded to its own UTF-8 as
    // Hugging Face's ByteLevel decoder does) is kept aside as UTF-8.
    const asText = new Map<number, Uint8Array>();
    let total = 0;
    for (let id = 0; id < n; id++) {
      const token = idToToken[id];
      if (token === undefined) continue;
      let len = token.length;
      if (textIds.has(id) || !inByteAlphabet(token)) {
        const bytes = utf8.encode(token);
        asText.set(id, bytes);
        len = bytes.length;
      }
      this.start[id] = total;
      this.length[id] = len;
      total += len;
    }
    // Pass 2: the bytes, straight into the pool.
    const pool = new Uint8Array(total);
    for (let id = 0; id < n; id++) {
      const token = idToToken[id];
      if (token === undefined) continue;
      const text = asText.get(id);
      const at = this.start[id];
      if (text !== undefined) pool.set(text, at);
      else for (let k = 0; k < token.length; k++) pool[at + k] = CHAR_CODE_TO_BYTE[token.charCodeAt(k)];
    }
    this.pool = pool;
    for (const id of specialIds) this.special[id] = 1;
  }

  /** The bytes of one id (a view into the pool), or undefined when no token has this id. */
  of(id: number): Uint8Array | undefined {
    const len = id >= 0 && id < this.length.length ? this.length[id] : -1;
    return len < 0 ? undefined : this.pool.subarray(this.start[id], this.start[id] + len);
  }

  /**
   * The concatenated bytes of `ids` (a view into a reused buffer: valid until the next call).
   * Throws TokenizerError 'unknown_id' / 'invalid_input' naming the id and its position.
   */
  concat(ids: ArrayLike<number>, method: string, skipSpecial: boolean): Uint8Array {
    const lengths = this.length;
    const starts = this.start;
    const pool = this.pool;
    const special = this.special;
    const count = ids.length;
    let out = this.buffer;
    let o = 0;
    for (let k = 0; k < count; k++) {
      const id = ids[k];
      const len = lengths[id];
      // `len` is undefined for out-of-range ids, -1 for unused ones; `id | 0` differs from a non-integer id.
      if ((id | 0) !== id || !(len >= 0)) throw this.badId(ids, k, method);
      if (skipSpecial && special[id] === 1) continue;
      if (o + len > out.length) out = this.grow(o + len, o);
      let s = starts[id];
      const e = s + len;
      while (s < e) out[o++] = pool[s++];
    }
    return out.subarray(0, o);
  }

  private grow(need: number, used: number): Uint8Array {
    const grown = new Uint8Array(Math.max(need, this.buffer.length * 2));
    grown.set(this.buffer.subarray(0, used));
    this.buffer = grown;
    return grown;
  }

  private badId(ids: ArrayLike<number>, k: number, method: string): TokenizerError {
    const id = ids[k];
    const size = this.length.length;
    if (typeof id !== 'number' || !Number.isInteger(id)) {
      return new TokenizerError(
        'invalid_input',
        `${method}: ids[${k}] is ${typeof id === 'number' ? id : typeof id}; token ids are integers in [0, ${size}).`,
      );
    }
    return new TokenizerError(
      'unknown_id',
      id >= 0 && id < size
        ? `${method}: ids[${k}] = ${id} is not used by any token of this vocabulary.`
        : `${method}: ids[${k}] = ${id} is out of range; this vocabulary's ids are in [0, ${size}).`,
    );
  }
}

function inByteAlphabet(token: string): boolean {
  for (let k = 0; k < token.length; k++) {
    const code = token.charCodeAt(k);
    if (code >= CHAR_CODE_TO_BYTE.length || CHAR_CODE_TO_BYTE[code] < 0) return false;
  }
  return true;
}

/** UTF-8 bytes → string; lossy replaces invalid sequences with U+FFFD, strict throws 'invalid_utf8'. */
export function bytesToText(bytes: Uint8Array, strictMode: boolean, method: string): string {
  if (!strictMode) return lossy.decode(bytes);
  try {
    return strict.decode(bytes);
  } catch (error) {
    throw new TokenizerError(
      'invalid_utf8',
      `${method}: the tokens' bytes are not valid UTF-8 (${firstInvalidUtf8(bytes)}). ` +
        'Decode without { strict: true } to get U+FFFD in their place.',
      { cause: error },
    );
  }
}

/** Describes the first invalid UTF-8 sequence in bytes (for strict-mode messages). */
export function firstInvalidUtf8(bytes: Uint8Array): string {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    const need =
      b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
    if (need < 0) return `byte 0x${b.toString(16)} at offset ${i} cannot start a character`;
    if (i + need >= bytes.length && need > 0)
      return `the bytes end inside a character started at offset ${i}`;
    try {
      strict.decode(bytes.subarray(i, i + need + 1));
    } catch {
      return `the character at byte offset ${i} is malformed`;
    }
    i += need + 1;
  }
  return 'unknown position';
}
