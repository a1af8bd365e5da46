// Token and sequence biases: HF sequence_bias / OpenAI logit_bias, bad_words_ids, suppress_tokens.

import { inPlaceProcessor, type LogitsProcessor } from './types.js';

function endsWith(ids: readonly number[], prefix: readonly number[]): boolean {
  if (prefix.length > ids.length) return false;
  const offset = ids.length - prefix.length;
  for (let i = 0; i < prefix.length; i++) if (ids[offset + i] !== prefix[i]) return false;
  return true;
}

/**
 * Hugging Face `SequenceBiasLogitsProcessor`: for each `[ids, bias]`, adds `bias` to the last id of `ids`
 * when the ids before it end the current sequence (always, for one-token sequences). Biases of several
 * entries ending in the same token add up.
 *
 * @example
 * ```ts
 * const p = sequenceBias([[[2], -1], [[0, 1], 5]]);
 * p(new Float32Array(3), { inputIds: [7, 0], promptLength: 2, maxLength: 9 }); // Float32Array [0, 5, -1]
 * ```
 */
export function sequenceBias(entries: readonly (readonly [readonly number[], number])[]): LogitsProcessor {
  return inPlaceProcessor((logits, ctx) => {
    for (const [seq, bias] of entries) {
      if (endsWith(ctx.inputIds, seq.slice(0, -1))) logits[seq[seq.length - 1]] += bias;
    }
  });
}

/**
 * Hugging Face `NoBadWordsLogitsProcessor`: the last id of each bad sequence gets −Infinity when the ids
 * before it end the current sequence. One-id sequences equal to an EOS id are dropped, as in HF.
 *
 * @example
 * ```ts
 * noBadWords([[1], [0, 2]], [])(new Float32Array(3), { inputIds: [0], promptLength: 1, maxLength: 9 });
 * // Float32Array [0, -Infinity, -Infinity]
 * ```
 */
export function noBadWords(
  badWordsIds: readonly (readonly number[])[],
  eosTokenIds: readonly number[],
): LogitsProcessor {
  const kept = badWordsIds.filter((seq) => !(seq.length === 1 && eosTokenIds.includes(seq[0])));
  return sequenceBias(kept.map((seq) => [seq, Number.NEGATIVE_INFINITY] as const));
}

/**
 * Hugging Face `SuppressTokensLogitsProcessor`: the listed ids get −Infinity at every step.
 *
 * @example
 * ```ts
 * suppressTokens([0])(new Float32Array([1, 2]), { inputIds: [], promptLength: 0, maxLength: 9 }); // [-Infinity, 2]
 * ```
 */
export function suppressTokens(ids: readonly number[]): LogitsProcessor {
  return inPlaceProcessor((logits) => {
    for (const id of ids) logits[id] = Number.NEGATIVE_INFINITY;
  });
}

/**
 * Hugging Face `SuppressTokensAtBeginLogitsProcessor`: the listed ids get −Infinity only when the sequence
 * is exactly `beginIndex` long (the first generated position).
 */
export function suppressTokensAtBegin(ids: readonly number[], beginIndex: number): LogitsProcessor {
  return inPlaceProcessor((logits, ctx) => {
    if (ctx.inputIds.length !== beginIndex) return;
    for (const id of ids) logits[id] = Number.NEGATIVE_INFINITY;
  });
}
