// How a weight matrix lives in the webasm arena: 16 output features per group, split by k into STREAMS
// arrays that the linear kernels of ops/linear-webasm.ts read side by side.
//
//   W: K → N (HF Conv1D [K, N] 'in_out', or [N, K] 'out_in' such as the tied LM head wte)
//   f32, f16:  stream s = k mod 4, j = ⌊k/4⌋:  packed[s·L + (g·Kp/4 + j)·16 + q] = W[k][n]
//   int8:      pair k/2: s = ⌊k/2⌋ mod 4, j = ⌊k/8⌋:  packed[s·L + (g·K2/4 + j)·32 + 2q + k mod 2] = W[k][n]
//              with n = 16g + 4x + c, q = 4c + x, Kp = kSlots(K), K2 = kPairs(K) (k pairs, for the kernels'
//              integer dot product: codegen/pair-dot.ts), L the length of one stream, G = ⌈N/16⌉, N and K
//              padded with 0
//
// A kernel cell (lane x of a quad, group g) returns 4 values, c = 0 … 3, which gpu.js stores at
// (g·4 + x)·4 + c = n: the natural output order. For one c the four lanes read packed[…·16 + 4c + x],
// four consecutive elements (one vector load); for one k all 16 values of the group are 64 (f32) or
// 32 (f16) contiguous bytes; int8 keeps both k of a pair side by side (lane x's two bytes at 8c + 2x).
// Per-output vectors that the kernels read the same way (bias, int8 scales) are stored in "q order":
// position 16g + q holds feature n — `toQOrder` below.

import { HalfArray } from '../codegen/half-array.js';
import { kPairs, kSlots, linearRegionBytes, STREAMS } from '../ops/linear-webasm.js';
import type { Arena, Region } from './arena.js';
import { halfScaleTable, MAX_HALF_SHIFT, shiftFor, topExponent } from './half-shift.js';

export type PackedKind = 'f32' | 'f16' | 'int8';
export const PACKED_BYTES: Record<PackedKind, number> = { f32: 4, f16: 2, int8: 1 };

/** Position of feature n in q order (an involution: swapping x and c twice is the identity). */
export function qIndex(n: number): number {
  return (n & ~15) | ((n & 3) << 2) | ((n >> 2) & 3);
}

/** A length-16G copy of `values` (length N) in q order, zero padded. */
export function toQOrder(values: ArrayLike<number>, N: number, fill = 0): Float32Array {
  const out = new Float32Array(Math.ceil(N / 16) * 16).fill(fill);
  for (let n = 0; n < N; n++) out[qIndex(n)] = values[n];
  return out;
}

/**
 * A weight stored in the arena: one block of [ packed values | int8 scales (q order) | the decode kernel's
 * region | the prefill kernel's region ], at the same offset for every weight of its kind and shape
 * (`Arena.allocAnchored`), so all of them run the same two compiled kernels.
 */
export interface PackedWeight {
  readonly kind: PackedKind;
  readonly K: number;
  readonly N: number;
  readonly G: number;
  /** The whole block (freed with the weight). */
  readonly block: Region;
  readonly data: Region;
  readonly scales?: Region;
  readonly kernels: { readonly decode: Region; readonly prefill: Region };
  /** f16: no half is Inf or NaN (the kernels may skip that case); always true for f32 and int8. */
  finite: boolean;
  /**
   * f16: the halves are stored as value × 2^halfShift, and the linear kernels' activations are scaled by
   * 2^-halfShift (half-shift.ts: no widened weight is subnormal); 0 for f32 and int8.
   */
  halfShift: number;
  /** Where each k of a feature sits relative to the feature's base (computed on first use). */
  offsets?: Int32Array;
}

/** Packed elements of a weight: 16 per group and k slot (int8: 32 per group and k pair). */
function packedLength(kind: PackedKind, K: number, G: number): number {
  return kind === 'int8' ? G * kPairs(K) * 32 : G * kSlots(K) * 16;
}

/** Elements of one of a weight's STREAMS arrays. */
export function streamLength(kind: PackedKind, K: number, G: number): number {
  return packedLength(kind, K, G) / STREAMS;
}

// W[k][n] sits at featureBase(n) + kOffset(k) of the packed values

function featureBase(kind: PackedKind, K: number, n: number): number {
  const q = qIndex(n) & 15;
  return kind === 'int8'
    ? (n >> 4) * (kPairs(K) / STREAMS) * 32 + 2 * q
    : (n >> 4) * (kSlots(K) / STREAMS) * 16 + q;
}

function kOffset(kind: PackedKind, K: number, G: number, k: number): number {
  const stream = streamLength(kind, K, G);
  if (kind === 'int8') {
    const pair = k >> 1;
    return (pair % STREAMS) * stream + Math.floor(pair / STREAMS) * 32 + (k & 1);
  }
  return (k % STREAMS) * stream + Math.floor(k / STREAMS) * 16;
}

/** kOffset(k) for every k < K of a weight. */
function kOffsets(w: PackedWeight): Int32Array {
  return Int32Array.from({ length: w.K }, (_, k) => kOffset(w.kind, w.K, w.G, k));
}

/** A typed view of the packed values (Float32Array, Int8Array, or HalfArray of half bits). */
export function packedView(w: PackedWeight): Float32Array | Int8Array | HalfArray {
  const n = packedLength(w.kind, w.K, w.G);
  const { buffer } = w.data.chunk;
  if (w.kind === 'int8') return new Int8Array(buffer, w.data.offset, n);
  if (w.kind === 'f16') return new HalfArray(buffer as ArrayBuffer, w.data.offset, n);
  return new Float32Array(buffer, w.data.offset, n);
}

/** The int8 scales (q order, length 16G). */
export function scalesView(w: PackedWeight): Float32Array | undefined {
  return w.scales && new Float32Array(w.scales.chunk.buffer, w.scales.offset, w.G * 16);
}

/** The key weights share kernels by: kind and shape (layout does not matter once packed). */
export function weightKey(kind: PackedKind, K: number, N: number): string {
  return `weight:${kind}:${K}x${N}`;
}

/** Allocates a packed weight of `kind` in the arena, with its kernels' regions in the same block. */
export function allocPackedWeight(arena: Arena, kind: PackedKind, K: number, N: number): PackedWeight {
  const G = Math.ceil(N / 16);
  const sizes = [
    align64(packedLength(kind, K, G) * PACKED_BYTES[kind]),
    kind === 'int8' ? align64(G * 64) : 0,
    align64(linearRegionBytes('decode', K, G)),
    align64(linearRegionBytes('prefill', K, G)),
  ];
  const block = arena.allocAnchored(
    weightKey(kind, K, N),
    sizes.reduce((a, b) => a + b, 0),
  );
  // the packing writes every page of the values and scales: fault them in first, on every thread
  // (arena.prefault); the kernels' regions are left to the kernels, which may never touch all of them
  arena.prefault?.({ chunk: block.chunk, offset: block.offset, bytes: sizes[0] + sizes[1] });
  let at = block.offset;
  const next = (bytes: number): Region => {
    const region = { chunk: block.chunk, offset: at, bytes };
    at += bytes;
    return region;
  };
  const data = next(sizes[0]);
  const scales = kind === 'int8' ? next(sizes[1]) : undefined;
  const kernels = { decode: next(sizes[2]), prefill: next(sizes[3]) };
  const halfShift = kind === 'f16' ? MAX_HALF_SHIFT : 0;
  return { kind, K, N, G, block, data, ...(scales ? { scales } : {}), kernels, finite: true, halfShift };
}

const align64 = (v: number) => Math.ceil(v / 64) * 64;

/**
 * f16: notes Inf/NaN halves, lowers the weight's shift (rescaling the rows already written in place)
 * when this block's largest half would overflow, and returns the table that scales halves by it.
 */
function halfTableFor(w: PackedWeight, bits: Uint16Array, length: number): Uint16Array {
  for (let i = 0; i < length; i++) if ((bits[i] & 0x7c00) === 0x7c00) w.finite = false;
  const shift = Math.min(w.halfShift, shiftFor(topExponent(bits, length)));
  if (shift < w.halfShift) {
    const view = packedView(w);
    const rescale = halfScaleTable(shift - w.halfShift);
    for (let i = 0; i < view.length; i++) view[i] = rescale[view[i]];
    w.halfShift = shift;
  }
  return halfScaleTable(w.halfShift);
}

/**
 * Writes rows first … first + count − 1 of W's source matrix (`values`: f32 values, int8 integers or
 * half bits, row-major): rows are k for 'in_out' ([K, N]) and features n for 'out_in' ([N, K]).
 */
export function writeRows(
  w: PackedWeight,
  layout: 'in_out' | 'out_in',
  first: number,
  values: Float32Array | Int8Array | Uint16Array,
  count: number,
): void {
  const { K, N, G, kind } = w;
  // f16: halves go in scaled by 2^halfShift, through a table; a block whose largest half would overflow
  // lowers the shift of the whole weight first (the rows already written are rescaled in place)
  const table =
    kind === 'f16'
      ? halfTableFor(w, values as Uint16Array, count * (layout === 'in_out' ? N : K))
      : undefined;
  const store = packedView(w);
  if (layout === 'in_out') {
    // a source row (one k) is contiguous in n: each value goes to its feature's base plus the row's k offset
    const bases = Int32Array.from({ length: N }, (_, n) => featureBase(kind, K, n));
    for (let r = 0; r < count; r++)
      scatter(store, values, r * N, bases, kOffset(kind, K, G, first + r), table);
  } else {
    const offsets = (w.offsets ??= kOffsets(w));
    for (let r = 0; r < count; r++)
      scatter(store, values, r * K, offsets, featureBase(kind, K, first + r), table);
  }
}

/**
 * store[at + index[i]] = source[from + i] for every i < index.length, through `table` when given. One loop
 * over precomputed positions: computing each element's position in the loop made loading GPT-2 124M spend
 * 2.3 of its 3 s here.
 */
function scatter(
  store: Float32Array | Int8Array | Uint16Array,
  source: Float32Array | Int8Array | Uint16Array,
  from: number,
  index: Int32Array,
  at: number,
  table: Uint16Array | undefined,
): void {
  const length = index.length;
  if (table) {
    for (let i = 0; i < length; i++) store[at + index[i]] = table[source[from + i]];
  } else {
    for (let i = 0; i < length; i++) store[at + index[i]] = source[from + i];
  }
}

/** Sets the int8 scales (one per feature, natural order). */
export function writeScales(w: PackedWeight, scales: Float32Array): void {
  scalesView(w)?.set(toQOrder(scales, w.N, 1));
}

/**
 * Allocates a weight in the arena (with its kernels' regions beside it) and writes `values` into it, packed. `values`: f32 values, int8 integers (with `scales`, one per output
 * feature) or half bit patterns, [K, N] for 'in_out' or [N, K] for 'out_in'.
 */
export function packWeight(
  arena: Arena,
  values: Float32Array | Int8Array | Uint16Array,
  layout: 'in_out' | 'out_in',
  K: number,
  N: number,
  scales: Float32Array | undefined,
): PackedWeight {
  const kind: PackedKind =
    values instanceof Int8Array ? 'int8' : values instanceof Uint16Array ? 'f16' : 'f32';
  const weight = allocPackedWeight(arena, kind, K, N);
  writeRows(weight, layout, 0, values, layout === 'in_out' ? K : N);
  if (scales) writeScales(weight, scales);
  return weight;
}

/** Row `n` of W as f32 (the embedding gather from the tied wte), dequantised or decoded (and unscaled). */
export function readFeature(w: PackedWeight, n: number, out: Float32Array, halves?: Float32Array): void {
  const view = packedView(w);
  const offsets = (w.offsets ??= kOffsets(w));
  const base = featureBase(w.kind, w.K, n);
  if (w.kind === 'int8') {
    const scale = (scalesView(w) as Float32Array)[qIndex(n)];
    for (let k = 0; k < w.K; k++) out[k] = view[base + offsets[k]] * scale;
  } else if (w.kind === 'f16') {
    const table = halves as Float32Array;
    const unscale = 2 ** -w.halfShift;
    for (let k = 0; k < w.K; k++) out[k] = table[view[base + offsets[k]]] * unscale;
  } else {
    for (let k = 0; k < w.K; k++) out[k] = view[base + offsets[k]];
  }
}
