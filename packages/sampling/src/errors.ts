// Typed errors of @gpt2js/sampling: one base class with a string `code`, plus the option error raised at the boundary.

/** What went wrong, as a stable string for programs to branch on. */
export type SamplingErrorCode =
  | 'invalid_option' // an option is unknown, mistyped or out of range
  | 'invalid_logits' // the model produced NaN/±Inf, or every token was filtered out
  | 'context_overflow' // prompt + max_new_tokens does not fit the model's context
  | 'invalid_input' // input ids are not integers in [0, vocabSize)
  | 'model_contract'; // the CausalLM returned logits of the wrong batch or vocabulary size

// Shared by every gpt2js package; `name` tells the sampling errors apart from the others.
const MARKER: unique symbol = Symbol.for('gpt2js.error') as never;

/**
 * Base class of every error thrown by `@gpt2js/sampling`.
 *
 * @example
 * ```ts
 * try { await runGeneration(model, ids, { top_p: 2 }); }
 * catch (e) { if (SamplingError.isInstance(e)) console.log(e.code); } // 'invalid_option'
 * ```
 */
export class SamplingError extends Error {
  readonly code: SamplingErrorCode;

  constructor(code: SamplingErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SamplingError';
    this.code = code;
    Object.defineProperty(this, MARKER, { value: true });
  }

  /** True for any gpt2js sampling error, even one created by another copy of this package. */
  static isInstance(e: unknown): e is SamplingError {
    if (typeof e !== 'object' || e === null) return false;
    const candidate = e as { [MARKER]?: unknown; code?: unknown; name?: unknown };
    return (
      candidate[MARKER] === true &&
      typeof candidate.code === 'string' &&
      (candidate.name === 'SamplingError' || candidate.name === 'GenerationOptionError')
    );
  }
}

/**
 * An invalid generation option: names the option, the allowed range and the value found.
 *
 * @example
 * ```ts
 * validateGenerationOptions({ temperature: -1 });
 * // GenerationOptionError: temperature must be a finite number ≥ 0 (0 means greedy), got -1
 * ```
 */
export class GenerationOptionError extends SamplingError {
  /** The option's name as written in the options object (e.g. `top_p`). */
  readonly option: string;
  /** The allowed values, in words (e.g. `a number in (0, 1]`). */
  readonly allowed: string;

  constructor(option: string, allowed: string, message: string) {
    super('invalid_option', message);
    this.name = 'GenerationOptionError';
    this.option = option;
    this.allowed = allowed;
  }

  static override isInstance(e: unknown): e is GenerationOptionError {
    return SamplingError.isInstance(e) && e.code === 'invalid_option' && 'option' in e;
  }
}
