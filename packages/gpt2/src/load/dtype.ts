// Little-endian F32 / F16 / BF16 bytes → Float32Array, written into a destination at an element offset so a
// big tensor converts chunk by chunk (never a second full-size copy).

export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

let f16Table: Float32Array | undefined;
// All 65,536 half-precision values, exact (256 KB, built on first use).
function halfTable(): Float32Array {
  if (f16Table !== undefined) return f16Table;
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) table[h] = sign * frac * 2 ** -24;
    else if (exp === 31) table[h] = frac === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
    else table[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  f16Table = table;
  return table;
}

/** Bytes per element of the dtypes gpt2js converts. */
export const FLOAT_DTYPE_BYTES = { F32: 4, F16: 2, BF16: 2 } as const;
/** A safetensors float dtype gpt2js converts to f32. */
export type FloatDType = keyof typeof FLOAT_DTYPE_BYTES;

/**
 * Converts `bytes` (whole elements of `dtype`, little-endian) into `out` starting at element `at`.
 * @returns the number of elements written
 */
export function convertToF32(bytes: Uint8Array, dtype: FloatDType, out: Float32Array, at: number): number {
  const n = bytes.byteLength / FLOAT_DTYPE_BYTES[dtype];
  if (dtype === 'F32') {
    if (LITTLE_ENDIAN) {
      new Uint8Array(out.buffer, out.byteOffset + at * 4, n * 4).set(bytes);
    } else {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < n; i++) out[at + i] = view.getFloat32(i * 4, true);
    }
    return n;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === 'F16') {
    const table = halfTable();
    for (let i = 0; i < n; i++) out[at + i] = table[view.getUint16(i * 2, true)]!;
    return n;
  }
  // BF16 is the top half of an f32.
  const bits = new Uint32Array(out.buffer, out.byteOffset + at * 4, n);
  for (let i = 0; i < n; i++) bits[i] = view.getUint16(i * 2, true) << 16;
  return n;
}

/** Index of the first NaN or ±Infinity in `data`, or -1. */
export function firstNonFinite(data: Float32Array): number {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    // v - v is NaN exactly for NaN and ±Infinity; cheaper than Number.isFinite in the hot loop.
    if (v - v !== 0) return i;
  }
  return -1;
}
