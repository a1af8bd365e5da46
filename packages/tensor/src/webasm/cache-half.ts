// The half bit pattern a KV cache of dtype 'f16' stores for an f32 (given as its bits): round to nearest
// even in the normal range of halves; magnitudes below 2^-14 become ±0, so the kernels, which widen a half by
// moving its bits into place (RawHalfArray), never see a subnormal (x86 multiplies those through a slow
// microcode assist); from 65,520 on (and NaN) the exponent-31 pattern, which the kernels read as a finite
// value of at least 65,536. Unlike `toHalfBits` (dtype.ts) it has no branch for subnormals, infinities or NaN.

/** Smallest f32 bit pattern (magnitude) of a normal half: 2^-14. */
const NORMAL = 0x38800000;
/** First f32 magnitude that rounds past the largest half, 65,504: 65,520. */
const OVERFLOW = 0x477ff000;

/** The cache's half for the f32 whose bits are `x`. */
export function cacheHalfBits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const abs = x & 0x7fffffff;
  if (abs < NORMAL) return sign;
  if (abs >= OVERFLOW) return sign | 0x7c00;
  // rebias the exponent (127 → 15) and round the 13 dropped mantissa bits to nearest even in one add
  return sign | ((abs - 0x38000000 + 0xfff + ((abs >>> 13) & 1)) >>> 13);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The value an 'f16' cache gives back for `value` (finite results; from 65,520 on, not what is read). */
export function cacheHalfValue(value: number): number {
  f32[0] = value;
  const h = cacheHalfBits(u32[0]);
  // a normal half (or zero) widened exactly: its fields moved into place, the exponent rebiased
  u32[0] = h & 0x7fff ? ((h & 0x8000) << 16) | (((h & 0x7fff) << 13) + 0x38000000) : (h & 0x8000) << 16;
  return f32[0];
}
