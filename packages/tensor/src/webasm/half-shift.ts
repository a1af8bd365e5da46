// f16 weights are stored in the arena scaled by 2^s (the weight's `halfShift`, s ≤ 10), and the linear
// kernels' activations are scaled by 2^-s on the host, so every product is exactly the one of the unscaled
// values (both scalings are exact powers of two) and the results keep their bits.
//
// Why: the kernels widen a half to f32 by moving its bits into place and multiplying by 2^112
// (codegen/compact-load.ts). A subnormal half (|w| < 2^-14 ≈ 6.1e-5) becomes a subnormal f32 there, and an
// x86 core multiplies a subnormal operand through a microcode assist of ≈ 100 cycles. GPT-2's weights
// are N(0, 0.02) and its residual projections N(0, 0.004): 0.2–1.2 % of their halves are subnormal, which
// made f16 decoding on an Intel Xeon 2–3× slower than its arithmetic. Scaled by 2^10, the smallest
// subnormal 2^-24 becomes the normal 2^-14, so no widened weight is subnormal. The shift is as large as
// the matrix allows: its largest finite half times 2^s must stay finite (s = min(10, 30 − top exponent)).
// Inf and NaN halves are kept as they are.

import { fromHalfBits, toHalfBits } from '../dtype.js';

/** The shift that turns every subnormal half into a normal one. */
export const MAX_HALF_SHIFT = 10;
const EXPONENT = 0x7c00;
/** Exponent field of the largest finite halves. */
const TOP_EXPONENT = 30;

const tables = new Map<number, Uint16Array>();

/**
 * The half bits of (value of h) × 2^d for every half h (65,536 entries, built once per d). Exact whenever
 * the result is representable, which holds for the shifts this file makes (see `shiftFor`).
 */
export function halfScaleTable(d: number): Uint16Array {
  let table = tables.get(d);
  if (!table) {
    table = new Uint16Array(65536);
    const factor = 2 ** d;
    for (let h = 0; h < 65536; h++) {
      table[h] = (h & EXPONENT) === EXPONENT ? h : toHalfBits(fromHalfBits(h) * factor);
    }
    tables.set(d, table);
  }
  return table;
}

/** The largest exponent field of the finite halves in `bits` (0 when all are zero or subnormal). */
export function topExponent(bits: Uint16Array, length = bits.length): number {
  let top = 0;
  for (let i = 0; i < length; i++) {
    const e = bits[i] & EXPONENT;
    if (e !== EXPONENT && e > top) top = e;
  }
  return top >> 10;
}

/** The largest shift (≤ MAX_HALF_SHIFT) that keeps halves up to exponent field `top` finite. */
export function shiftFor(top: number): number {
  return Math.max(0, Math.min(MAX_HALF_SHIFT, TOP_EXPONENT - top));
}
