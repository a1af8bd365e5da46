// @gpt2js/tokenizer: the public surface.

export { BYTE_TO_CHAR, bytesToTokenString, tokenStringToBytes } from './byte-unicode.js';
export { TokenizerError, type TokenizerErrorCode } from './errors.js';
export type { AddedTokenInit, TokenizerFiles } from './load.js';
export { pretokenize } from './pretokenize.js';
export type { AddedToken, SpecialTokenOptions, SpecialTokenSet } from './special-tokens.js';
export { StreamDecoder, type StreamDecoderOptions } from './stream-decoder.js';
export {
  type DecodeOptions,
  type EncodeOptions,
  type EncodingWithOffsets,
  GPT2Tokenizer,
  type TokenizerOptions,
} from './tokenizer.js';
export type { MergeRule } from './vocab.js';
