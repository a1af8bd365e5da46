// Penalties on tokens already seen: HF's repetition penalty and OpenAI's presence/frequency penalties.

import { inPlaceProcessor, type LogitsProcessor } from './types.js';

/**
 * Hugging Face `RepetitionPenaltyLogitsProcessor` (CTRL, Keskar et al. 2019): for every distinct id in
 * prompt + generated, a positive logit is divided by `penalty` and a negative one multiplied by it.
 *
 * @example
 * ```ts
 * repetitionPenalty(2)(new Float32Array([4, -4, 1]), { inputIds: [0, 1], promptLength: 2, maxLength: 9 });
 * // Float32Array [2, -8, 1]
 * ```
 */
export function repetitionPenalty(penalty: number): LogitsProcessor {
  return inPlaceProcessor((logits, ctx) => {
    for (const id of new Set(ctx.inputIds)) {
      const s = logits[id];
      logits[id] = s < 0 ? s * penalty : s / penalty;
    }
  });
}

/**
 * OpenAI presence and frequency penalties over the *generated* ids only (the prompt is not counted):
 * logit[id] −= presence · [count(id) > 0] + frequency · count(id).
 *
 * @example
 * ```ts
 * presenceFrequencyPenalty(0.5, 1)(new Float32Array([0, 0, 0]), { inputIds: [2, 1, 1], promptLength: 1, maxLength: 9 });
 * // Float32Array [0, -2.5, 0]   (id 2 is in the prompt only, id 1 was generated twice)
 * ```
 */
export function presenceFrequencyPenalty(presence: number, frequency: number): LogitsProcessor {
  return inPlaceProcessor((logits, ctx) => {
    const counts = new Map<number, number>();
    for (let i = ctx.promptLength; i < ctx.inputIds.length; i++) {
      const id = ctx.inputIds[i];
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    for (const [id, count] of counts) logits[id] -= presence + frequency * count;
  });
}
