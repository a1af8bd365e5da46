// Penalties on tokens already seen: HF's repetition penalty and OpenAI's presence/frequency penalties.

import { inPlaceProcessor, type LogitsProcessor, type ProcessorContext } from './types.js';

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
  const apply = (s: number): number => (s < 0 ? s * penalty : s / penalty);
  return Object.assign(
    inPlaceProcessor((logits, ctx) => {
      for (const id of new Set(ctx.inputIds)) logits[id] = apply(logits[id]);
    }),
    {
      onCandidates: (logits: Float32Array, ids: Int32Array, ctx: ProcessorContext) => {
        const seen = new Set(ctx.inputIds);
        for (let j = 0; j < ids.length; j++) if (seen.has(ids[j])) logits[j] = apply(logits[j]);
      },
      // a penalty ≥ 1 moves every logit towards −∞ (float32 rounding keeps the order), one < 1 raises
      lowers: (ctx: ProcessorContext) => (penalty >= 1 ? new Set(ctx.inputIds) : undefined),
    },
  );
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
  const generatedCounts = (ctx: ProcessorContext): Map<number, number> => {
    const counts = new Map<number, number>();
    for (let i = ctx.promptLength; i < ctx.inputIds.length; i++) {
      const id = ctx.inputIds[i];
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  };
  return Object.assign(
    inPlaceProcessor((logits, ctx) => {
      for (const [id, count] of generatedCounts(ctx)) logits[id] -= presence + frequency * count;
    }),
    {
      onCandidates: (logits: Float32Array, ids: Int32Array, ctx: ProcessorContext) => {
        const counts = generatedCounts(ctx);
        for (let j = 0; j < ids.length; j++) {
          const count = counts.get(ids[j]);
          if (count !== undefined) logits[j] -= presence + frequency * count;
        }
      },
      lowers: (ctx: ProcessorContext) =>
        presence >= 0 && frequency >= 0 ? new Set(generatedCounts(ctx).keys()) : undefined,
    },
  );
}
