// The logits-processor shape shared by every processor: a pure function of one row of logits and the ids so far.

/** What a processor may look at besides the logits (one batch row). */
export interface ProcessorContext {
  /** Prompt + generated ids of this row, oldest first. */
  readonly inputIds: readonly number[];
  /** How many of `inputIds` are the prompt. */
  readonly promptLength: number;
  /** Prompt + max_new_tokens: the length at which generation stops (HF `max_length`). */
  readonly maxLength: number;
}

/**
 * A logits processor: logits [vocab] → processed logits [vocab]. Pure: it returns a new array and never
 * mutates its input. Removed tokens get -Infinity.
 *
 * @example
 * ```ts
 * const p: LogitsProcessor = temperature(0.5);
 * p(new Float32Array([1, 2]), { inputIds: [], promptLength: 0, maxLength: 20 }); // Float32Array [2, 4]
 * ```
 */
export type LogitsProcessor = ((logits: Float32Array, ctx: ProcessorContext) => Float32Array) & {
  /** The same transformation applied in place to a buffer the caller owns (the pipeline copies once per step). */
  readonly inPlace?: (logits: Float32Array, ctx: ProcessorContext) => void;
  /**
   * For a processor that changes the logits of some token ids: the same transformation in place on a row of
   * candidates, where `logits[j]` is the logit of token `ids[j]` (sampling from the top candidates).
   */
  readonly onCandidates?: (logits: Float32Array, ids: Int32Array, ctx: ProcessorContext) => void;
  /** The ids whose logits it may change at `ctx` when it can only lower them; undefined when it may raise one. */
  readonly lowers?: (ctx: ProcessorContext) => ReadonlySet<number> | undefined;
};

/** Makes a pure processor from an in-place one: the pure form copies its input, then transforms the copy. */
export function inPlaceProcessor(
  transform: (logits: Float32Array, ctx: ProcessorContext) => void,
): LogitsProcessor {
  const pure = (logits: Float32Array, ctx: ProcessorContext): Float32Array => {
    const out = logits.slice();
    transform(out, ctx);
    return out;
  };
  return Object.assign(pure, { inPlace: transform });
}

/** Applies processors left to right: `compose(a, b)(x, ctx) = b(a(x, ctx), ctx)`. */
export function composeProcessors(...processors: LogitsProcessor[]): LogitsProcessor {
  return (logits, ctx) => processors.reduce((acc, p) => p(acc, ctx), logits);
}
