// Host-side weight conversions: f32 → IEEE half (round to nearest even) and int8 with per-output-column scales.
//
// Error bounds (stated in the README and checked by the conformance suite):
//   f16:  each weight has relative error ≤ 2^-11; a dot product over K terms is off by ≤ 2^-11 · Σ|x·w|,
//         in practice ≤ 1e-3 of the result magnitude.
//   int8: symmetric, scale_n = max_k |w[k,n]| / 127; each weight is off by ≤ scale_n / 2, so a dot product is off by
//         ≤ scale_n / 2 · Σ|x|; on Gaussian data the result is within ~1 % of the magnitude.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Bits of the IEEE half nearest to `value` (round to nearest even; overflow → ±Infinity; NaN kept). */
export function toHalfBits(value: number): number {
  f32[0] = value;
  return halfOfFloatBits(u32[0]);
}

/** Bits of the IEEE half nearest to the f32 whose bits are `x` (as {@link toHalfBits}). */
function halfOfFloatBits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const abs = x & 0x7fffffff;
  // halves' normal range, 2^-14 ≤ |v| < 65520 (which rounds to Infinity): rebias the exponent (127 → 15)
  // and round the 13 dropped mantissa bits to nearest even in one add; a carry moves into the exponent
  if (abs >= 0x38800000 && abs < 0x477ff000) {
    return sign | ((abs - 0x38000000 + 0xfff + ((abs >>> 13) & 1)) >>> 13);
  }
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half++;
  return sign | half;
}

/** The f32 value of IEEE half `bits`. */
export function fromHalfBits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** `data` rounded to half precision (values stay f32, exactly representable as halves). */
export function roundToHalf(data: Float32Array): Float32Array {
  const out = new Float32Array(data.length);
  const table = halfValues();
  for (let i = 0; i < data.length; i++) out[i] = table[toHalfBits(data[i])];
  return out;
}

let halfTable: Float32Array | undefined;

/** f32 value of every half bit pattern (256 KB, built on first use). */
export function halfValues(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(0x10000);
    for (let h = 0; h < 0x10000; h++) halfTable[h] = fromHalfBits(h);
  }
  return halfTable;
}

/** The f32 values of half bit patterns. */
export function halfToFloat(bits: Uint16Array): Float32Array {
  const table = halfValues();
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]];
  return out;
}

/** Half bits of every element (into `into` when given: its first `data.length` elements). */
export function toHalfArray(
  data: Float32Array,
  into: Uint16Array = new Uint16Array(data.length),
): Uint16Array {
  // the f32 bits read in place: a round trip of every value through a one-element scratch array made this
  // loop take a third of the time to load GPT-2 124M as f16
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  for (let i = 0; i < bits.length; i++) into[i] = halfOfFloatBits(bits[i]);
  return into;
}

/** Symmetric int8 quantisation of a row-major [rows, cols] matrix with one scale per output feature. */
export interface Int8Quantized {
  /** Integers in [-127, 127], same layout as the input. */
  q: Int8Array;
  /** One scale per output feature (max |w| / 127; 1 for an all-zero feature). */
  scales: Float32Array;
}

/**
 * max |w| per output feature of a [rows, cols] block (`outputAxis` as in {@link quantizeInt8}), into `into`;
 * NaN is passed over. Per column, four rows at a time: each running maximum is read and written once per four
 * rows (0.91 against 1.49 ns per value on a 341 × 3072 block, Node 20).
 */
export function maxAbsPerFeature(
  data: Float32Array,
  rows: number,
  cols: number,
  outputAxis: 0 | 1,
  into: Float32Array = new Float32Array(outputAxis === 1 ? cols : rows),
): Float32Array {
  if (outputAxis === 0) {
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      let m = 0;
      for (let c = 0; c < cols; c++) m = Math.max(m, Math.abs(data[base + c]));
      into[r] = Math.max(into[r], m);
    }
    return into;
  }
  let r = 0;
  for (; r + 3 < rows; r += 4) {
    const b0 = r * cols;
    const b1 = b0 + cols;
    const b2 = b1 + cols;
    const b3 = b2 + cols;
    for (let c = 0; c < cols; c++) {
      let m = into[c];
      const a0 = Math.abs(data[b0 + c]);
      const a1 = Math.abs(data[b1 + c]);
      const a2 = Math.abs(data[b2 + c]);
      const a3 = Math.abs(data[b3 + c]);
      // comparisons, not Math.max: a NaN fails them and is passed over
      if (a0 > m) m = a0;
      if (a1 > m) m = a1;
      if (a2 > m) m = a2;
      if (a3 > m) m = a3;
      into[c] = m;
    }
  }
  for (; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      const a = Math.abs(data[base + c]);
      if (a > into[c]) into[c] = a;
    }
  }
  return into;
}

/** Symmetric scales from max |w|: max / 127, and 1 for an all-zero feature. */
export function int8Scales(maxAbs: Float32Array): Float32Array {
  const scales = new Float32Array(maxAbs.length);
  for (let o = 0; o < maxAbs.length; o++) scales[o] = maxAbs[o] > 0 ? maxAbs[o] / 127 : 1;
  return scales;
}

/**
 * Quantises a [rows, cols] block with given per-feature scales (`offset`: index of the block's first
 * feature when features are rows), into `into`.
 */
export function quantizeWithScales(
  data: Float32Array,
  rows: number,
  cols: number,
  outputAxis: 0 | 1,
  scales: Float32Array,
  offset = 0,
  into: Int8Array = new Int8Array(rows * cols),
): Int8Array {
  // one loop per axis, and Math.floor(v + 0.5) rather than Math.round (about 3× faster): the same integer
  // except for a v within one ulp below a half-integer, which then goes to its other nearest integer (still
  // within the bound of scale/2 + 1 ulp); every backend quantises through this one function. t = v + 0.5 is
  // clamped before the floor (floor(t) ≥ 127 ⇔ t ≥ 127, floor(t) < −127 ⇔ t < −127; NaN stays NaN and is
  // stored as 0 either way): the same integers, 2.1 against 2.6 ns per value.
  if (outputAxis === 1) {
    const inverse = new Float64Array(cols);
    for (let c = 0; c < cols; c++) inverse[c] = 1 / scales[c];
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      for (let c = 0; c < cols; c++) {
        const t = data[base + c] * inverse[c] + 0.5;
        into[base + c] = t >= 127 ? 127 : t < -127 ? -127 : Math.floor(t);
      }
    }
  } else {
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      const inverse = 1 / scales[offset + r];
      for (let c = 0; c < cols; c++) {
        const t = data[base + c] * inverse + 0.5;
        into[base + c] = t >= 127 ? 127 : t < -127 ? -127 : Math.floor(t);
      }
    }
  }
  return into;
}

/**
 * Quantises `data` ([rows, cols], row-major). `outputAxis` says which axis holds the output features:
 * 1 for HF Conv1D [in, out] (per column), 0 for [out, in] (per row, e.g. wte as the LM head).
 */
export function quantizeInt8(
  data: Float32Array,
  rows: number,
  cols: number,
  outputAxis: 0 | 1,
): Int8Quantized {
  const scales = int8Scales(maxAbsPerFeature(data, rows, cols, outputAxis));
  return { q: quantizeWithScales(data, rows, cols, outputAxis, scales), scales };
}

/** The f32 values an int8 quantisation stands for (the oracle for int8 kernels). */
export function dequantizeInt8(
  quant: Int8Quantized,
  rows: number,
  cols: number,
  outputAxis: 0 | 1,
): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      out[r * cols + c] = quant.q[r * cols + c] * quant.scales[outputAxis === 1 ? c : r];
    }
  }
  return out;
}
