// Writes the safetensors format (the inverse of safetensors.ts): a header for tensors laid out back to back,
// so big files can be streamed tensor by tensor, and a one-buffer encoder for small ones.

import { SAFETENSORS_DTYPE_BYTES } from './safetensors.js';

/** One tensor to write: its data must be `product(shape) × bytes(dtype)` long, little-endian. */
export interface TensorEntry {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
}

/**
 * The 8-byte length prefix plus the JSON header (space-padded to a multiple of 8, like the Rust writer) for
 * tensors stored in the given order with no gaps. Write it, then each tensor's bytes in the same order.
 */
export function safetensorsHeader(
  entries: readonly TensorEntry[],
  metadata?: Record<string, string>,
): Uint8Array {
  const json: Record<string, unknown> = {};
  if (metadata !== undefined) json.__metadata__ = metadata;
  let offset = 0;
  for (const e of entries) {
    const bytes = e.shape.reduce((a, b) => a * b, 1) * (SAFETENSORS_DTYPE_BYTES[e.dtype] ?? 0);
    json[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const raw = new TextEncoder().encode(JSON.stringify(json));
  const length = raw.length + ((8 - (raw.length % 8)) % 8);
  const out = new Uint8Array(8 + length).fill(0x20);
  new DataView(out.buffer).setBigUint64(0, BigInt(length), true);
  out.set(raw, 8);
  return out;
}

/**
 * A whole safetensors file in memory.
 * @example encodeSafetensors([{ name: 'w', dtype: 'F32', shape: [2], data: new Uint8Array(new Float32Array([1, 2]).buffer) }])
 */
export function encodeSafetensors(
  tensors: readonly (TensorEntry & { readonly data: Uint8Array })[],
  metadata?: Record<string, string>,
): Uint8Array {
  const header = safetensorsHeader(tensors, metadata);
  const out = new Uint8Array(header.length + tensors.reduce((n, t) => n + t.data.length, 0));
  out.set(header, 0);
  let at = header.length;
  for (const t of tensors) {
    out.set(t.data, at);
    at += t.data.length;
  }
  return out;
}
