// Instructions gpu.js 2.24.1's WebAssembly emitter has no method for (narrow and splatting loads, widening,
// integer dot products), written as raw bytes through its `_push`.
import type { WasmEmitter } from './gpujs-internals.js';

/** Unsigned LEB128 of a u32. */
export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Pushes instruction bytes as they are. */
export function raw(em: WasmEmitter, bytes: number[]): void {
  if (typeof em._push !== 'function') {
    throw new Error('gpu.js webasm emitter has no _push: this code generation needs gpu.js 2.24.1');
  }
  em._push(bytes);
}

/** A memory instruction: opcode bytes, then the memarg (log2 alignment hint, byte offset). */
export function memory(em: WasmEmitter, opcode: number[], align: number, offset: number): void {
  raw(em, [...opcode, ...uleb(align), ...uleb(offset)]);
}
