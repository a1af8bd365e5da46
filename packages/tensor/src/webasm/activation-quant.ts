// int16 activations for the int8 linear kernels (ops/linear-webasm.ts): each row of x is stored as
// q = round(x / s) (to nearest, ties to even) with s = max|x| / 32767, so the kernels multiply int16 by int8 exactly
// (codegen/pair-dot.ts) and scale the sums by s and the weight column's scale afterwards. 15 bits per
// activation: the rounding error, ≤ max|x| / 65534 per element, is far below the int8 weights' own.

import { kPairs } from '../ops/linear-webasm.js';

/** 1.5·2^52: adding it to a double of magnitude < 2^51 leaves the value rounded to an integer. */
const ROUNDING = 6755399441055744;

/** Largest |q|: the int16 range, symmetric. */
export const ACTIVATION_LEVELS = 32767;

/**
 * Quantises rows [R, K] of `x` into `out` (row r at r·2·K2, K2 = kPairs(K), the padding set to 0)
 * and their scales into `scales`. A row holding NaN or ±Inf gets the scale NaN, so its outputs are NaN,
 * as an f32 product would make them.
 */
export function quantizeActivations(
  x: Float32Array,
  R: number,
  K: number,
  out: Int16Array,
  scales: Float32Array,
): void {
  const stride = 2 * kPairs(K);
  for (let r = 0; r < R; r++) {
    const row = r * K;
    let max = 0;
    // a sum of f32 values cannot overflow a double: it is finite exactly when every value is
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const v = x[row + k];
      sum += v;
      const a = Math.abs(v);
      if (a > max) max = a;
    }
    const finite = Number.isFinite(sum);
    const at = r * stride;
    const inverse = max > 0 && finite ? ACTIVATION_LEVELS / max : 0;
    // round to nearest, ties to even, by adding and subtracting 1.5·2^52 in double precision (|x·inverse|
    // ≤ 32767 is far inside the range where that is exact); Math.round here ran several times slower
    // between the kernels of a decode step than in isolation
    for (let k = 0; k < K; k++) out[at + k] = x[row + k] * inverse + ROUNDING - ROUNDING;
    for (let k = K; k < stride; k++) out[at + k] = 0;
    scales[r] = finite ? max / ACTIVATION_LEVELS : Number.NaN;
  }
}
