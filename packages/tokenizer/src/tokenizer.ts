// GPT2Tokenizer: the public tokenizer, text ⇄ token ids.
//
// encode: text ─special/added-token split─▶ segments ─pieceEnd (pre-tokenise)─▶ pieces
//         ─word cache, else BPE over ids─▶ ids          (exactly tiktoken `gpt2` / Hugging Face GPT2Tokenizer)
// decode: ids ─byte pool copy─▶ UTF-8 bytes ─TextDecoder─▶ text (lossy like HF errors='replace', or strict)

import type { HubOptions, ModelSource } from '@gpt2js/hub';
import { BytePairEncoder } from './bpe.js';
import { bytesToText, TokenBytes } from './decode.js';
import { TokenizerError } from './errors.js';
import { loadPretrained, modelFromFiles, modelFromTokenizerJson, type TokenizerFiles } from './load.js';
import { pieceOffsets } from './offsets.js';
import {
  checkDecodeOptions,
  checkIds,
  checkOptions,
  DEFAULT_CACHE_SIZE,
  type DecodeOptions,
  type TokenizerOptions,
} from './options.js';
import { pieceEnd } from './pretokenize.js';
import { type SpecialPlan, type SpecialTokenOptions, SpecialTokenPolicy } from './special-tokens.js';
import { StreamDecoder, type StreamDecoderOptions } from './stream-decoder.js';
import { describe, type TokenizerModel } from './vocab.js';

export type { DecodeOptions, TokenizerOptions } from './options.js';

import { MAX_CACHED_PIECE, WordCache } from './word-cache.js';

/** Options of encode, encodeBatch, encodeWithOffsets, countTokens and tokenize. */
export type EncodeOptions = SpecialTokenOptions;

/** Token ids with the UTF-16 span [start, end) of the input each one covers. */
export interface EncodingWithOffsets {
  ids: number[];
  /**
   * offsets[k] = [start, end): the characters token k covers. A token holding only part of a character's
   * UTF-8 bytes (an emoji split into two tokens) covers that whole character, so neighbours can share it.
   */
  offsets: [number, number][];
}

/**
 * GPT-2's byte-level BPE tokenizer, identical to OpenAI's tiktoken `gpt2` (r50k_base) and Hugging Face's
 * GPT2Tokenizer. Load it with {@link GPT2Tokenizer.fromPretrained}, {@link GPT2Tokenizer.fromFiles} or
 * {@link GPT2Tokenizer.fromTokenizerJSON}.
 *
 * @example
 * ```ts
 * const tok = await GPT2Tokenizer.fromPretrained('models/gpt2-tiny');
 * tok.encode("Hello, I'm a language model,"); // [15496, 11, 314, 1101, 257, 3303, 2746, 11]
 * ```
 */
export class GPT2Tokenizer {
  /** Number of token ids (the highest id + 1, added tokens included): 50257 for GPT-2. */
  readonly vocabSize: number;
  /** Id of the end-of-sequence token (`<|endoftext|>` = 50256 for GPT-2), or undefined when there is none. */
  readonly eosTokenId: number | undefined;
  private readonly model: TokenizerModel;
  private readonly bpe: BytePairEncoder;
  private readonly cache: WordCache;
  private byteTable: TokenBytes | undefined;
  private readonly policy: SpecialTokenPolicy;
  private readonly defaultPlan: SpecialPlan;
  /** Scratch output of the encode loops (ids are gathered here, then copied once into a preallocated array). */
  private ids: Int32Array = new Int32Array(1 << 12);
  private idCount = 0;

  /** @internal use the static loaders */
  constructor(model: TokenizerModel, options: TokenizerOptions = {}) {
    const { cacheSize = DEFAULT_CACHE_SIZE, eosToken } = checkOptions(options);
    this.model = model;
    this.vocabSize = model.idToToken.length;
    this.bpe = new BytePairEncoder(model.merges, model.byteToId);
    this.cache = new WordCache(cacheSize);
    this.policy = new SpecialTokenPolicy(model.addedTokens);
    this.defaultPlan = this.policy.plan(undefined, 'encode');
    const eos = eosToken ?? '<|endoftext|>';
    this.eosTokenId = model.tokenToId(eos);
    if (eosToken !== undefined && this.eosTokenId === undefined) {
      throw new TokenizerError(
        'invalid_option',
        `eosToken ${JSON.stringify(eosToken)} is not in the vocabulary.`,
      );
    }
  }

  /**
   * Loads the tokenizer of a model: a local directory, an `http(s)://` base URL or a hub repo id
   * (`'gpt2'`, `'owner/name'`), through @gpt2js/hub (shared download cache). Reads tokenizer.json when
   * present, else vocab.json + merges.txt; tokenizer_config.json (optional) gives eos_token and added tokens.
   *
   * @example
   * ```ts
   * const tok = await GPT2Tokenizer.fromPretrained('gpt2', { offline: true });
   * ```
   */
  static async fromPretrained(
    source: ModelSource,
    options: HubOptions & TokenizerOptions = {},
  ): Promise<GPT2Tokenizer> {
    const { cacheSize, eosToken, ...hub } = checkOptions(options) as HubOptions & TokenizerOptions;
    const loaded = await loadPretrained(source, hub);
    const eos = eosToken ?? loaded.eosToken;
    return new GPT2Tokenizer(loaded.model, { cacheSize, eosToken: eos });
  }

  /**
   * Builds a tokenizer from vocab.json + merges.txt held in memory (their texts, or parsed forms).
   *
   * @example
   * ```ts
   * const tok = GPT2Tokenizer.fromFiles({ vocab: readFileSync('vocab.json', 'utf8'), merges: readFileSync('merges.txt', 'utf8') });
   * ```
   */
  static fromFiles(files: TokenizerFiles, options?: TokenizerOptions): GPT2Tokenizer {
    return new GPT2Tokenizer(modelFromFiles(files), options);
  }

  /** Builds a tokenizer from a Hugging Face tokenizer.json (its text or the parsed object), added tokens included. */
  static fromTokenizerJSON(json: string | object, options?: TokenizerOptions): GPT2Tokenizer {
    return new GPT2Tokenizer(modelFromTokenizerJson(json), options);
  }

  /** The bytes of every id, built on first use (encode-only users never pay for it). */
  private get bytes(): TokenBytes {
    if (this.byteTable === undefined) {
      const added = this.model.addedTokens;
      this.byteTable = new TokenBytes(
        this.model.idToToken,
        new Set(added.map((t) => t.id)),
        new Set(added.filter((t) => t.special).map((t) => t.id)),
      );
    }
    return this.byteTable;
  }

  /** Texts of the special tokens (`['<|endoftext|>']` for GPT-2). */
  get specialTokens(): string[] {
    return this.policy.specialTexts;
  }

  /**
   * Encodes text to token ids. Special-token text (`<|endoftext|>`) throws by default, like tiktoken:
   * pass `allowedSpecial` to encode it as its id, or `disallowedSpecial: new Set()` to encode it as text.
   * Lone surrogates are encoded as U+FFFD (as tiktoken and js-tiktoken do).
   */
  encode(text: string, options?: EncodeOptions): number[] {
    this.idCount = 0;
    this.split(
      text,
      options,
      'encode',
      (start, end) => this.encodeOrdinary(text, start, end),
      (id) => this.pushId(id),
    );
    return this.takeIds();
  }

  /** {@link encode} for each text. */
  encodeBatch(texts: readonly string[], options?: EncodeOptions): number[][] {
    if (!Array.isArray(texts)) {
      throw new TokenizerError(
        'invalid_input',
        `encodeBatch: expected an array of strings, found ${describe(texts)}.`,
      );
    }
    return texts.map((text, i) => {
      if (typeof text !== 'string') {
        throw new TokenizerError(
          'invalid_input',
          `encodeBatch: texts[${i}] is ${describe(text)}; expected a string.`,
        );
      }
      return this.encode(text, options);
    });
  }

  /** The number of tokens `encode(text, options)` gives, without building the id array. */
  countTokens(text: string, options?: EncodeOptions): number {
    let count = 0;
    this.split(
      text,
      options,
      'countTokens',
      (start, end) => {
        count += this.countOrdinary(text, start, end);
      },
      () => count++,
    );
    return count;
  }

  /** Ids and the UTF-16 span of each token in `text` (see {@link EncodingWithOffsets}). */
  encodeWithOffsets(text: string, options?: EncodeOptions): EncodingWithOffsets {
    const offsets: [number, number][] = [];
    this.idCount = 0;
    this.split(
      text,
      options,
      'encodeWithOffsets',
      (start, end) => {
        for (let i = start; i < end; ) {
          const j = pieceEnd(text, i, end);
          const first = this.idCount;
          this.encodeOrdinary(text, i, j);
          pieceOffsets(text, i, j, this.ids, first, this.idCount, this.bytes.length, offsets);
          i = j;
        }
      },
      (id, start, end) => {
        this.pushId(id);
        offsets.push([start, end]);
      },
    );
    return { ids: this.takeIds(), offsets };
  }

  /** The tokens of `text` as vocabulary strings in GPT-2's byte alphabet (`'Ġworld'`), like Hugging Face's tokenize. */
  tokenize(text: string, options?: EncodeOptions): string[] {
    const names = this.model.idToToken;
    return this.encode(text, options).map((id) => names[id]!);
  }

  /**
   * Decodes ids to text. Lossy by default (bytes that are not UTF-8 become U+FFFD, like Hugging Face's
   * errors='replace'); `strict: true` throws TokenizerError 'invalid_utf8' instead. An id outside the
   * vocabulary throws 'unknown_id' naming it.
   */
  decode(ids: readonly number[] | ArrayLike<number>, options?: DecodeOptions): string {
    checkIds(ids, 'decode');
    const { strict, skipSpecialTokens } = checkDecodeOptions(options, 'decode');
    return bytesToText(this.bytes.concat(ids, 'decode', skipSpecialTokens), strict, 'decode');
  }

  /** The UTF-8 bytes of the tokens (a fresh array). */
  decodeBytes(ids: readonly number[] | ArrayLike<number>): Uint8Array {
    checkIds(ids, 'decodeBytes');
    return this.bytes.concat(ids, 'decodeBytes', false).slice();
  }

  /** An incremental decoder that emits text only at whole characters (for streaming generation). */
  createStreamDecoder(options?: StreamDecoderOptions): StreamDecoder {
    return new StreamDecoder(this.bytes, options);
  }

  /** The vocabulary string of an id (`'Ġthe'`), or undefined. */
  idToToken(id: number): string | undefined {
    return Number.isInteger(id) ? this.model.idToToken[id] : undefined;
  }

  /** The id of a vocabulary string or added token, or undefined. */
  tokenToId(token: string): number | undefined {
    return typeof token === 'string' ? this.model.tokenToId(token) : undefined;
  }

  /** Empties the word cache (memory back; results never depend on it). */
  clearCache(): void {
    this.cache.clear();
  }

  /** Splits text at the matched added/special tokens: ordinary spans go to `ordinary`, matches to `added`. */
  private split(
    text: string,
    options: EncodeOptions | undefined,
    method: string,
    ordinary: (start: number, end: number) => void,
    added: (id: number, start: number, end: number) => void,
  ): void {
    if (typeof text !== 'string') {
      throw new TokenizerError('invalid_input', `${method}: expected a string, found ${describe(text)}.`);
    }
    const plan = options === undefined ? this.defaultPlan : this.policy.plan(options, method);
    if (plan.disallowed !== undefined) this.policy.check(plan, text, method);
    const matcher = plan.matcher;
    let pos = 0;
    if (matcher !== undefined) {
      for (
        let m = matcher.find(text, 0, text.length);
        m !== undefined;
        m = matcher.find(text, pos, text.length)
      ) {
        if (m.start > pos) ordinary(pos, m.start);
        added(m.id, m.start, m.end);
        pos = m.end;
      }
    }
    if (pos < text.length) ordinary(pos, text.length);
  }

  /**
   * The hot loop: appends the ids of text[start, end) (no special tokens inside) to the scratch ids.
   * Per piece: a one-byte ASCII piece is its byte token; anything else goes through the word cache, and
   * on a miss through BPE (whose result the cache keeps).
   */
  private encodeOrdinary(text: string, start: number, end: number): void {
    const byteToId = this.model.byteToId;
    const cache = this.cache;
    let ids = this.ids;
    let n = this.idCount;
    let i = start;
    while (i < end) {
      const j = pieceEnd(text, i, end);
      // A piece of L UTF-16 units yields at most 3L ids (bytes).
      if (n + 3 * (j - i) > ids.length) {
        this.idCount = n;
        ids = this.growIds(n + 3 * (j - i));
      }
      const c = text.charCodeAt(i);
      if (j === i + 1 && c < 0x80) {
        ids[n++] = byteToId[c];
      } else {
        const slot = j - i <= MAX_CACHED_PIECE ? cache.find(text, i, j) : -1;
        if (slot >= 0) {
          n = cache.read(slot, ids, n);
        } else {
          const m = this.bpe.encode(text, i, j);
          const result = this.bpe.result;
          if (j - i <= MAX_CACHED_PIECE) cache.insert(text, i, j, result, m);
          for (let k = 0; k < m; k++) ids[n++] = result[k];
        }
      }
      i = j;
    }
    this.idCount = n;
  }

  /** Like encodeOrdinary, but only counts. */
  private countOrdinary(text: string, start: number, end: number): number {
    const cache = this.cache;
    let count = 0;
    let i = start;
    while (i < end) {
      const j = pieceEnd(text, i, end);
      if (j === i + 1 && text.charCodeAt(i) < 0x80) {
        count++;
      } else {
        const slot = j - i <= MAX_CACHED_PIECE ? cache.find(text, i, j) : -1;
        if (slot >= 0) {
          count += cache.countAt(slot);
        } else {
          const m = this.bpe.encode(text, i, j);
          if (j - i <= MAX_CACHED_PIECE) cache.insert(text, i, j, this.bpe.result, m);
          count += m;
        }
      }
      i = j;
    }
    return count;
  }

  private pushId(id: number): void {
    if (this.idCount === this.ids.length) this.growIds(this.idCount + 1);
    this.ids[this.idCount++] = id;
  }

  private growIds(need: number): Int32Array {
    const grown = new Int32Array(Math.max(need, this.ids.length * 2));
    grown.set(this.ids.subarray(0, this.idCount));
    this.ids = grown;
    return grown;
  }

  /** The scratch ids as a fresh number[] (preallocated: several times faster than pushing). */
  private takeIds(): number[] {
    const n = this.idCount;
    const ids = this.ids;
    const out: number[] = new Array(n);
    for (let k = 0; k < n; k++) out[k] = ids[k];
    // Do not keep a huge scratch buffer alive after encoding a huge text.
    if (ids.length > 1 << 20) this.ids = new Int32Array(1 << 12);
    this.idCount = 0;
    return out;
  }
}
