// A StepLogits over plain Float32Array rows, for pure-JS models and tests.

import { SamplingError } from './errors.js';
import { argmax, topkHost } from './math.js';
import type { StepLogits } from './types.js';

/**
 * Wraps host rows (one Float32Array of length vocabSize per batch row) as a {@link StepLogits}.
 * `read()` returns copies (or writes into the array it is given), so callers may not mutate the wrapped rows
 * through it.
 *
 * @example
 * ```ts
 * const logits = stepLogitsFromArrays([new Float32Array([0.1, 2, -1])]);
 * await logits.argmax(); // Int32Array [1]
 * ```
 */
export function stepLogitsFromArrays(rows: Float32Array[]): StepLogits {
  if (rows.length === 0) {
    throw new SamplingError('invalid_input', 'stepLogitsFromArrays: needs at least one row, got 0');
  }
  const vocabSize = rows[0].length;
  for (let r = 1; r < rows.length; r++) {
    if (rows[r].length !== vocabSize) {
      throw new SamplingError(
        'invalid_input',
        `stepLogitsFromArrays: row ${r} has ${rows[r].length} logits, expected ${vocabSize} like row 0`,
      );
    }
  }
  let disposed = false;
  const check = (what: string): void => {
    if (disposed) throw new SamplingError('model_contract', `StepLogits.${what}() called after dispose()`);
  };
  return {
    batch: rows.length,
    vocabSize,
    async read(into?: Float32Array) {
      check('read');
      if (!into || into.length < rows.length * vocabSize) return rows.map((row) => row.slice());
      return rows.map((row, r) => {
        const view = into.subarray(r * vocabSize, (r + 1) * vocabSize);
        view.set(row);
        return view;
      });
    },
    async argmax() {
      check('argmax');
      return Int32Array.from(rows, (row) => argmax(row));
    },
    async topk(k: number) {
      check('topk');
      return rows.map((row) => topkHost(row, k));
    },
    dispose() {
      disposed = true;
    },
  };
}
