// IEEE binary16 ("half") weights for gpu.js webasm kernels: `HalfArray` is a Uint16Array of half bit
// patterns that the compact-storage extension keeps at 2 bytes per element in WebAssembly memory and
// widens to f32 inside the kernel. A subclass, not a flag, so the tag survives what gpu.js does to
// arrays on the way in (`slice`/`subarray` in pipeline argument snapshots keep the species).
//
// Conversion is exact: every half is representable in f32. ±0, subnormals (as their exact values),
// ±Infinity and NaN (bit pattern widened: sign, quiet bit and payload kept) all convert.

/**
 * A Uint16Array holding IEEE half-precision bit patterns. Pass it (usually inside a gpu.js `Input`
 * with the kernel's dims) as a kernel constant, a pipeline literal or an argument: with the
 * compact-storage extension installed (`installWebasmCodegen(gpujs).compactStorage.f16`) the kernel
 * reads the decoded f32 values from 2-byte storage. Without it, stock gpu.js would read the raw bit
 * patterns as numbers: pass {@link decodeHalfArray}'s Float32Array instead.
 *
 * @example
 * ```ts
 * const bits = HalfArray.fromBits(toHalfArray(weights)); // a view, no copy
 * const w = new gpujs.Input(bits, [4, K, N / 4]);
 * ```
 */
export class HalfArray extends Uint16Array {
  /** A HalfArray view over the same memory as `bits` (no copy). */
  static fromBits(bits: Uint16Array): HalfArray {
    return new HalfArray(bits.buffer as ArrayBuffer, bits.byteOffset, bits.length);
  }
}

/**
 * Half bit patterns that a kernel reads without the exponent rebias: element h is read as the f32 whose bits
 * are h's sign, exponent and mantissa shifted into place, `((h & 0x7fff) << 13) | ((h & 0x8000) << 16)`,
 * which for a finite half is exactly its value × 2^-112 (an exponent-31 pattern reads as 2^-96 · (1 + m/1024),
 * not as Inf/NaN). One multiply per four weights less than {@link HalfArray}; the caller scales the other
 * factor by 2^112 instead (the webasm linear kernels fold it into their activations' scaling). A subclass,
 * like HalfArray, so the tag survives gpu.js's copies.
 */
export class RawHalfArray extends HalfArray {
  /** A RawHalfArray view over the same memory as `bits` (no copy). */
  static override fromBits(bits: Uint16Array): RawHalfArray {
    return new RawHalfArray(bits.buffer as ArrayBuffer, bits.byteOffset, bits.length);
  }
}

/** The f32 bits a kernel reads for raw half h (see {@link RawHalfArray}). */
export const rawHalfBits = (h: number): number => (((h & 0x7fff) << 13) | ((h & 0x8000) << 16)) >>> 0;

let table: Uint32Array | null = null;

/** The f32 bit patterns of all 65,536 halves, built once on first use (256 KiB). */
function halfTable(): Uint32Array {
  if (table) return table;
  const bits = new Uint32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exponent = (h >>> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0x1f) {
      bits[h] = sign | 0x7f800000 | (mantissa << 13);
    } else if (exponent !== 0) {
      bits[h] = sign | ((exponent + 112) << 23) | (mantissa << 13);
    } else if (mantissa === 0) {
      bits[h] = sign;
    } else {
      // subnormal half m·2^-24: normalise into an f32 (always normal there)
      let e = 113;
      let m = mantissa;
      while ((m & 0x400) === 0) {
        m <<= 1;
        e--;
      }
      bits[h] = sign | (e << 23) | ((m & 0x3ff) << 13);
    }
  }
  table = bits;
  return table;
}

/**
 * The exact f32 values of half bit patterns, for backends and gpu.js builds without compact f16
 * storage.
 * @example
 * ```ts
 * const status = installWebasmCodegen(gpujs);
 * const w = status.compactStorage.f16 ? HalfArray.fromBits(bits) : decodeHalfArray(bits);
 * ```
 */
export function decodeHalfArray(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  decodeHalfInto(bits, out);
  return out;
}

/** Writes the f32 values of `bits` into the first `bits.length` elements of `target`. */
export function decodeHalfInto(bits: Uint16Array, target: Float32Array): void {
  // through an integer view: a JS number would quiet signalling NaN payloads
  const out = new Uint32Array(target.buffer, target.byteOffset, bits.length);
  if (bits instanceof RawHalfArray) {
    for (let i = 0; i < bits.length; i++) out[i] = rawHalfBits(bits[i]);
    return;
  }
  const values = halfTable();
  for (let i = 0; i < bits.length; i++) out[i] = values[bits[i]];
}
