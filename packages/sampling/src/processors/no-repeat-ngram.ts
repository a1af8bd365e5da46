// Hugging Face `NoRepeatNGramLogitsProcessor`: never complete an n-gram that already occurs in prompt + generated.

import { inPlaceProcessor, type LogitsProcessor } from './types.js';

/** The ids that would repeat an n-gram: every token that followed the current last n−1 ids earlier. */
export function bannedNgramTokens(ids: readonly number[], n: number): number[] {
  const len = ids.length;
  if (len + 1 < n) return [];
  if (n === 1) return [...new Set(ids)];
  const banned = new Set<number>();
  const start = len - (n - 1);
  for (let i = 0; i + n <= len; i++) {
    let match = true;
    for (let j = 0; j < n - 1; j++) {
      if (ids[i + j] !== ids[start + j]) {
        match = false;
        break;
      }
    }
    if (match) banned.add(ids[i + n - 1]);
  }
  return [...banned];
}

/**
 * Bans (−Infinity) each token that would create an n-gram of size `n` already present in prompt + generated.
 *
 * @example
 * ```ts
 * // ids 1 2 3 1 2 → the 3-gram "1 2 3" exists, so after "1 2" token 3 is banned
 * noRepeatNgram(3)(new Float32Array(5), { inputIds: [1, 2, 3, 1, 2], promptLength: 5, maxLength: 9 })[3]; // -Infinity
 * ```
 */
export function noRepeatNgram(n: number): LogitsProcessor {
  return inPlaceProcessor((logits, ctx) => {
    for (const id of bannedNgramTokens(ctx.inputIds, n)) logits[id] = Number.NEGATIVE_INFINITY;
  });
}
