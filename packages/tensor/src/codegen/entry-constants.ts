// Change 8: v128 constants that the SIMD kernel needs on every step of its loops are set once, in a local,
// at the entry of `kernel_simd` (alongside the thread-id locals of thread-locals.ts).
//
// The raw-half widening (compact-load.ts) masks every four halves with the same 128-bit constant. V8 13.6
// (Node 24, current Chromium) rematerialises a `v128.const` at every use, three instructions each (a 64-bit
// immediate or RIP-relative load into a general register, `vmovq`, `vpunpcklqdq`): 16 times per step in the
// f16 decode kernel, about half of the step's instructions. Read from a local, the mask stays in a
// register. Measured (2-core AMD EPYC, 1×3072·3072×768 f16 from the cache, one thread, best of 300 calls):
// Node 24 13.5 → 21.2 GB/s; Node 20 (V8 11.3, which already kept one copy per step) unchanged (16.1 without
// FMA, 20.2–20.7 with it).
import type { WasmEmitter } from './gpujs-internals.js';

/** sign (bit 31) plus the 15 exponent/mantissa bits of a half shifted left by 13 */
export const F16_FIELDS = 0x8fffe000 | 0;

const HALF_FIELDS = Symbol.for('gpt2js.halfFieldsLocal');

interface EntryNode {
  [HALF_FIELDS]?: number | undefined;
}

/** At the entry of `kernel_simd`: sets the locals of the constants below. */
export function setEntryConstants(em: WasmEmitter, node: object): void {
  const local = em.addLocal('v128');
  em.v128ConstI32x4(F16_FIELDS, F16_FIELDS, F16_FIELDS, F16_FIELDS).localSet(local);
  (node as EntryNode)[HALF_FIELDS] = local;
}

/** After the root kernel's functions are emitted: nothing may read those locals any more. */
export function clearEntryConstants(node: object): void {
  (node as EntryNode)[HALF_FIELDS] = undefined;
}

/** Pushes the raw-half field mask (the local where the kernel set one up, else the constant itself). */
export function pushHalfFieldsMask(em: WasmEmitter, node: object | undefined): void {
  const local = node ? (node as EntryNode)[HALF_FIELDS] : undefined;
  if (local !== undefined) em.localGet(local);
  else em.v128ConstI32x4(F16_FIELDS, F16_FIELDS, F16_FIELDS, F16_FIELDS);
}
