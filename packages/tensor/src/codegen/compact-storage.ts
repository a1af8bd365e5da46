// Compact storage, memory side: Int8Array, Int16Array and HalfArray kernel inputs occupy 1, 2 and 2 bytes
// per element in gpu.js's WebAssembly memory instead of stock's 4-byte f32 slot per element (every int8
// and int16 value is exactly an f32, so the kernels read the same numbers stock does).
//
// Three hooks, all on gpu.js 2.24.1's webasm backend, installed together by install.ts:
//  - `WebAssemblyKernel.prototype.computeLayout` (replaced): stock's `[ args | constants | output ]`
//    layout, 16-byte aligned regions, except that a compact value's region holds its packed bytes. Its
//    record keeps stock's shape `{ offset, dims, flatLength }` with `flatLength` counting the 4-byte
//    slots the packed bytes fill (so every copy site, the pipeline executor's allocator included,
//    sizes it right), and its `dims` array carries a {@link CompactInfo} under a symbol: the pipeline
//    executor relocates records by copying `{ offset, dims, flatLength }` and keeps the `dims`
//    reference, so the tag reaches the load emitters on every path.
//  - `WebAssemblyKernel.prototype._computeSizeSignature` (wrapped): the storage of each array argument
//    joins the size signature, so an Int8Array and a Float32Array of one shape get separate modules.
//  - `utils.flattenTo` (wrapped): every copy into wasm memory (kernel constants, arguments, the
//    threaded path's staging copies, pipeline literals and arguments) goes through it with a target
//    `Float32Array` of `flatLength` slots. A target shorter than the source only happens for a compact
//    region (stock targets always have one slot per element), and then the bytes are copied verbatim.
//    A HalfArray in a stock-sized region is decoded to f32 values instead of being read as integers.

import type { AnyMethod, ArrayRecord, GpujsModule, KernelInternals } from './gpujs-internals.js';
import { decodeHalfInto, HalfArray, RawHalfArray } from './half-array.js';

/** Element storage of a compact region. */
/** 'f16raw': a {@link RawHalfArray} (halves read without the exponent rebias). */
export type CompactKind = 'i8' | 'i16' | 'f16' | 'f16raw';

/** What a compact region holds: its element kind and element count. */
export interface CompactInfo {
  kind: CompactKind;
  elements: number;
  /**
   * f16 only: true when the region is a kernel constant checked, as it was laid out, to hold no
   * Inf/NaN pattern (exponent 31), so its loads may skip that case. Arguments and pipeline literals
   * are read through the full widening (their content is not known when the code is generated).
   */
  finite: boolean;
}

/** True when no half in `bits` has exponent 31 (±Inf, NaN). */
function allFinite(bits: Uint16Array): boolean {
  for (let i = 0; i < bits.length; i++) if ((bits[i] & 0x7c00) === 0x7c00) return false;
  return true;
}

/** Bytes per element of each compact kind. */
export const COMPACT_BYTES: Record<CompactKind, number> = { i8: 1, i16: 2, f16: 2, f16raw: 2 };

const COMPACT = Symbol.for('gpt2js.compactStorage');

type InputClass = GpujsModule['Input'];

/** The typed array a kernel value stores (an `Input`'s `.value`, or the value itself). */
function storedArray(value: unknown, input: InputClass): unknown {
  return value instanceof input ? (value as { value: unknown }).value : value;
}

/** Compact kind of a flat typed array, or null (stock f32 slots). Below 4 elements: stock storage. */
export function compactKindOfArray(array: unknown): CompactKind | null {
  if (array instanceof Int8Array && array.length >= 4) return 'i8';
  if (array instanceof Int16Array && array.length >= 4) return 'i16';
  if (array instanceof RawHalfArray && array.length >= 4) return 'f16raw';
  if (array instanceof HalfArray && array.length >= 4) return 'f16';
  return null;
}

/** Compact kind of a kernel value (a typed array or an `Input` over one), or null. */
export function compactKindOf(value: unknown, input: InputClass): CompactKind | null {
  return compactKindOfArray(storedArray(value, input));
}

/** The compact tag of a layout record, or null for stock f32 storage. */
export function compactInfo(record: ArrayRecord | undefined): CompactInfo | null {
  const dims = record?.dims as (number[] & { [COMPACT]?: CompactInfo }) | undefined;
  return dims?.[COMPACT] ?? null;
}

const align16 = (value: number): number => Math.ceil(value / 16) * 16;

/** Replacement for `WebAssemblyKernel.prototype.computeLayout` (stock's, with packed regions). */
export function makeCompactLayout(_original: AnyMethod, gpujs: GpujsModule): AnyMethod {
  const input = gpujs.Input;
  return function computeLayout(this: KernelInternals, args: unknown[]) {
    let offset = 0;
    const place = (value: unknown, constant: boolean): Omit<ArrayRecord, 'index'> => {
      const dims = this.valueDimensions(value);
      const elements = dims[0] * dims[1] * dims[2];
      const kind = compactKindOf(value, input);
      const at = offset;
      if (!kind) {
        offset = align16(offset + elements * 4);
        return { offset: at, dims, flatLength: elements };
      }
      const bytes = elements * COMPACT_BYTES[kind];
      const finite = kind === 'f16' && constant && allFinite(storedArray(value, input) as HalfArray);
      Object.defineProperty(dims, COMPACT, { value: { kind, elements, finite } satisfies CompactInfo });
      offset = align16(offset + bytes);
      return { offset: at, dims, flatLength: Math.ceil(bytes / 4) };
    };
    const arrays: Record<string, ArrayRecord> = {};
    const scalars: Record<string, { index: number; offset: number; type: string }> = {};
    for (let i = 0; i < this.argumentTypes.length; i++) {
      const name = this.argumentNames[i];
      const type = this.argumentTypes[i];
      if (type === 'Array' || type === 'Input') {
        arrays[name] = { index: i, ...place(args[i], false) };
      } else {
        scalars[name] = { index: i, offset, type };
        offset = align16(offset + 4);
      }
    }
    const constantArrays: Record<string, ArrayRecord> = {};
    const constants = this.constants;
    if (constants) {
      for (const name in constants) {
        if (!Object.hasOwn(constants, name)) continue;
        const type = this.constantTypes[name];
        if (type === 'Array' || type === 'Input') constantArrays[name] = place(constants[name], true);
      }
    }
    return { arrays, scalars, constantArrays, outputOffset: offset };
  };
}

/** Wrapper of `WebAssemblyKernel.prototype._computeSizeSignature`: storage joins the signature. */
export function makeStorageSignature(original: AnyMethod, gpujs: GpujsModule): AnyMethod {
  const input = gpujs.Input;
  return function _computeSizeSignature(this: KernelInternals, args: unknown[]) {
    const signature = original.call(this, args) as string;
    const kinds: string[] = [];
    for (let i = 0; i < this.argumentTypes.length; i++) {
      const type = this.argumentTypes[i];
      if (type === 'Array' || type === 'Input') kinds.push(compactKindOf(args[i], input) ?? 'f32');
    }
    return kinds.some((kind) => kind !== 'f32') ? `${signature}|storage:${kinds.join(',')}` : signature;
  };
}

/**
 * The error a copy throws when a region laid out for compact storage receives another array (only a
 * fused pipeline can get there: its layout is fixed at its first call). gpu.js's pipeline recompiles
 * on errors marked this way (`isFusionFallback` + `recompilable`, duck-typed in `pipeline.js`).
 */
function storageChanged(array: ArrayBufferView & { length: number }, target: Float32Array): Error {
  const error = new Error(
    `gpu.js webasm: a region of ${target.length * 4} bytes laid out for compact int8/int16/f16 storage received a ${array.constructor.name} of ${array.length} elements; recompiling for the new storage`,
  );
  return Object.assign(error, { isFusionFallback: true, recompilable: true });
}

/** Wrapper of `utils.flattenTo(array, target)`: packed copies into compact regions. */
export function makeCompactFlatten(original: AnyMethod): AnyMethod {
  return function flattenTo(this: unknown, array: unknown, target: unknown) {
    if (ArrayBuffer.isView(array) && target instanceof Float32Array) {
      const source = array as ArrayBufferView & { length: number };
      if (target.length < source.length) {
        const kind = compactKindOfArray(source);
        // the slot counts of 1-byte, 2-byte and f32 regions differ for every length ≥ 4, so a region
        // receives packed bytes only when it was laid out for this element size and length (an i16 and
        // an f16 region of one length look alike here: a fused pipeline must not swap the two)
        if (kind && target.length === Math.ceil((source.length * COMPACT_BYTES[kind]) / 4)) {
          if (kind === 'i8') {
            new Int8Array(target.buffer, target.byteOffset, source.length).set(source as Int8Array);
          } else if (kind === 'i16') {
            new Int16Array(target.buffer, target.byteOffset, source.length).set(source as Int16Array);
          } else {
            new Uint16Array(target.buffer, target.byteOffset, source.length).set(source as Uint16Array);
          }
          return undefined;
        }
        throw storageChanged(source, target);
      }
      if (source instanceof HalfArray) {
        decodeHalfInto(source, target);
        return undefined;
      }
    }
    return original.call(this, array, target);
  };
}
