// Checks on what the model returns: logits of the agreed shape, and finite values.

import { SamplingError } from './errors.js';
import { firstNonFinite } from './math.js';
import type { StepLogits } from './types.js';

/** The StepLogits must have `batch` rows of `vocabSize` logits (the CausalLM contract). */
export function checkStepLogitsShape(logits: StepLogits, batch: number, vocabSize: number): void {
  if (logits.batch !== batch || logits.vocabSize !== vocabSize) {
    logits.dispose();
    throw new SamplingError(
      'model_contract',
      `the model returned logits of shape [${logits.batch}, ${logits.vocabSize}], expected [${batch}, ${vocabSize}] (session batch × model.vocabSize)`,
    );
  }
}

/** Raises SamplingError 'invalid_logits' naming the step, row, token and value when a raw logit is NaN or ±Infinity. */
export function checkFinite(
  values: ArrayLike<number>,
  step: number,
  row: number,
  ids?: ArrayLike<number>,
): void {
  const at = firstNonFinite(values);
  if (at < 0) return;
  const id = ids ? ids[at] : at;
  throw new SamplingError(
    'invalid_logits',
    `the model produced a non-finite logit (${values[at]}) at step ${step}, row ${row}, token id ${id}; ` +
      'check the weights and inputs for NaN/Inf, or pass remove_invalid_values: true to replace them like Hugging Face',
  );
}

/** Raises when processing left no token with a finite score. */
export function allFilteredError(step: number, row: number, names: readonly string[]): SamplingError {
  return new SamplingError(
    'invalid_logits',
    `every token was filtered out at step ${step}, row ${row} (active processors: ${names.join(', ') || 'none'}); ` +
      'relax bad_words_ids / suppress_tokens / logit_bias, or the truncation options',
  );
}
