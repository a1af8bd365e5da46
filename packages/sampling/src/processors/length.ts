// Length-driven processors: EOS suppressed until a minimum length, forced first/last tokens, and the
// NaN/Infinity clean-up HF runs among them.

import { inPlaceProcessor, type LogitsProcessor } from './types.js';

function onlyAllow(logits: Float32Array, ids: readonly number[]): void {
  logits.fill(Number.NEGATIVE_INFINITY);
  for (const id of ids) logits[id] = 0;
}

function ban(logits: Float32Array, ids: readonly number[]): void {
  for (const id of ids) logits[id] = Number.NEGATIVE_INFINITY;
}

/**
 * Hugging Face `MinLengthLogitsProcessor`: EOS ids get −Infinity while prompt + generated is shorter than `minLength`.
 */
export function minLength(minLength: number, eosTokenIds: readonly number[]): LogitsProcessor {
  return inPlaceProcessor((logits, ctx) => {
    if (ctx.inputIds.length < minLength) ban(logits, eosTokenIds);
  });
}

/**
 * Hugging Face `MinNewTokensLengthLogitsProcessor`: EOS ids get −Infinity until `minNewTokens` tokens were generated.
 *
 * @example
 * ```ts
 * minNewTokens(2, [0])(new Float32Array([5, 1]), { inputIds: [3, 0], promptLength: 1, maxLength: 9 }); // [-Infinity, 1]
 * ```
 */
export function minNewTokens(minNewTokens: number, eosTokenIds: readonly number[]): LogitsProcessor {
  return inPlaceProcessor((logits, ctx) => {
    if (ctx.inputIds.length - ctx.promptLength < minNewTokens) ban(logits, eosTokenIds);
  });
}

/**
 * Hugging Face `ForcedBOSTokenLogitsProcessor`: when the sequence is one token long, only `bosTokenId` is
 * allowed (score 0, every other −Infinity).
 */
export function forcedBos(bosTokenId: number): LogitsProcessor {
  return inPlaceProcessor((logits, ctx) => {
    if (ctx.inputIds.length === 1) onlyAllow(logits, [bosTokenId]);
  });
}

/**
 * Hugging Face `ForcedEOSTokenLogitsProcessor`: at the last position before `maxLength`, only the EOS ids
 * are allowed (score 0 each; greedy then takes the lowest).
 */
export function forcedEos(eosTokenIds: readonly number[]): LogitsProcessor {
  return inPlaceProcessor((logits, ctx) => {
    if (ctx.inputIds.length === ctx.maxLength - 1) onlyAllow(logits, eosTokenIds);
  });
}

const F32_MAX = 3.4028234663852886e38;

/**
 * Hugging Face `InfNanRemoveLogitsProcessor` (`remove_invalid_values`): NaN → 0, +Infinity → float32 max,
 * −Infinity → −float32 max.
 */
export function removeInvalidValues(): LogitsProcessor {
  return inPlaceProcessor((logits) => {
    for (let i = 0; i < logits.length; i++) {
      const v = logits[i];
      if (Number.isNaN(v)) logits[i] = 0;
      else if (v === Number.POSITIVE_INFINITY) logits[i] = F32_MAX;
      else if (v === Number.NEGATIVE_INFINITY) logits[i] = -F32_MAX;
    }
  });
}
