// Compact storage, load side: the WebAssembly that reads Int8Array (1 byte), Int16Array and HalfArray (2 bytes)
// regions laid out by compact-storage.ts and widens them to f32 inside the kernel.
//
//   int8, 4 lanes:  v128.load8x8_s (8 bytes → i16x8; the upper 4 are ignored, and every region is
//                   followed by at least 16 pages of wasm memory, so the over-read never traps)
//                   → i32x4.extend_low_i16x8_s → f32x4.convert_i32x4_s   (exact: every int8 is an f32)
//   int8, scalar:   i32.load8_s → f32.convert_i32_s
//   int16:          v128.load16x4_s → f32x4.convert_i32x4_s; scalar i32.load16_s → f32.convert_i32_s
//   f16, 4 lanes:   v128.load16x4_s (sign-extended halves h), then t = (h << 13) & 0x8fffe000 (sign to
//                   bit 31, exponent and mantissa to f32's low exponent bits); f = f32(t) · 2^112,
//                   exact for normals and subnormals (the multiply rebiases the exponent and
//                   normalises subnormals) and keeps ±0; a half with exponent 31 lands at
//                   |f| ∈ [2^16, 2^17), where ORing 0x7f800000 gives exactly the f32 Inf/NaN with the
//                   same sign and payload: f | ((|f| ≥ 2^16) & 0x7f800000). 7 SIMD ops per 4 halves.
//                   A kernel-constant HalfArray checked at layout time to hold no exponent-31 pattern
//                   skips the Inf/NaN step: load + 3 ops, as cheap as int8.
//   f16, scalar:    i32.load16_u, then the same in i32/f32 (Inf/NaN through a select).
// Gathers (lane-varying, non-contiguous indices) load each lane with the scalar byte/half load into
// an i32x4 and widen the four together. gpu.js's emitter has no opcodes for these loads and extends,
// so they are written as raw bytes through its `_push`.
import { type CompactInfo, compactInfo } from './compact-storage.js';
import { pushHalfFieldsMask } from './entry-constants.js';
import type { AnyMethod, AstNode, WasmEmitter, WasmFunctionNode } from './gpujs-internals.js';
import { inductionRead } from './induction-pointers.js';
import { memory, raw } from './raw-bytes.js';

const I32_LOAD8_S = [0x2c];
const I32_LOAD16_S = [0x2e];
const I32_LOAD16_U = [0x2f];
const V128_LOAD8X8_S = [0xfd, 0x01];
const V128_LOAD16X4_S = [0xfd, 0x03];
const I32X4_EXTEND_LOW_I16X8_S = [0xfd, 0xa7, 0x01];

const F16_REBIAS = 2 ** 112;
const F32_INF = 0x7f800000;

/** How one compact kind is addressed, loaded and widened to f32. */
export interface ElementCodec {
  /** stack: i32 element index → f32 */
  scalar(node: WasmFunctionNode, offset: number): void;
  /** stack: i32 element index of lane 0 → f32x4 of that element and the next three */
  vector(node: WasmFunctionNode, offset: number): void;
  /** `scalar` with a byte address (element index × element bytes) on the stack */
  scalarAt(node: WasmFunctionNode, offset: number): void;
  /** `vector` with a byte address on the stack */
  vectorAt(node: WasmFunctionNode, offset: number): void;
  /** `lanes`: a v128 local of four in-bounds i32 element indices; pushes their f32x4 */
  gather(node: WasmFunctionNode, offset: number, lanes: number): void;
}

/** Per-lane scalar loads into an i32x4 (`load` takes the lane's element index on the stack). */
function gatherI32(em: WasmEmitter, lanes: number, load: () => void): void {
  em.localGet(lanes).i32x4ExtractLane(0);
  load();
  em.i32x4Splat();
  for (let lane = 1; lane < 4; lane++) {
    em.localGet(lanes).i32x4ExtractLane(lane);
    load();
    em.i32x4ReplaceLane(lane);
  }
}

/** stack: i32 half bits (zero-extended) → f32 */
function halfToFloat(em: WasmEmitter): void {
  const h = em.addLocal('i32');
  const m = em.addLocal('i32');
  const t = em.addLocal('i32');
  em.localSet(h);
  em.localGet(h).i32Const(0x7fff).i32And().localTee(m).i32Const(13).i32Shl().localSet(t);
  em.localGet(t).i32Const(0x7f800000).i32Or();
  em.localGet(t).f32ReinterpretI32().f32Const(F16_REBIAS).f32Mul().i32ReinterpretF32();
  em.localGet(m).i32Const(0x7bff).i32GtU();
  em.select();
  em.localGet(h).i32Const(0x8000).i32And().i32Const(16).i32Shl().i32Or();
  em.f32ReinterpretI32();
}

/** stack: i32x4 of sign-extended half bits → f32x4; `finite`: the halves are known not to be Inf/NaN */
function halfToFloatX4(em: WasmEmitter, node: object, finite: boolean): void {
  em.i32Const(13).i32x4Shl();
  pushHalfFieldsMask(em, node);
  em.v128And();
  em.v128ConstF32x4(F16_REBIAS, F16_REBIAS, F16_REBIAS, F16_REBIAS).f32x4Mul();
  if (finite) return;
  const f = em.addLocal('v128');
  em.localTee(f);
  em.localGet(f).f32x4Abs().v128ConstF32x4(65536, 65536, 65536, 65536).f32x4Ge();
  em.v128ConstI32x4(F32_INF, F32_INF, F32_INF, F32_INF).v128And().v128Or();
}

const INT8: ElementCodec = {
  scalar(node, offset) {
    memory(node.em, I32_LOAD8_S, 0, offset);
    node.em.f32ConvertI32S();
  },
  vector(node, offset) {
    memory(node.em, V128_LOAD8X8_S, 0, offset);
    raw(node.em, I32X4_EXTEND_LOW_I16X8_S);
    node.em.f32x4ConvertI32x4S();
  },
  // one byte per element: the element index is the byte address
  scalarAt: (node, offset) => INT8.scalar(node, offset),
  vectorAt: (node, offset) => INT8.vector(node, offset),
  gather(node, offset, lanes) {
    gatherI32(node.em, lanes, () => memory(node.em, I32_LOAD8_S, 0, offset));
    node.em.f32x4ConvertI32x4S();
  },
};

/**
 * A 2-byte kind (int16, f16): element index × 2 is the byte address; `scalarLoad` + `widen` read one
 * element, `v128.load16x4_s` + `widenX4` four (gathers load each lane with `i32.load16_s`).
 */
function twoByteCodec(
  scalarLoad: number[],
  widen: (em: WasmEmitter) => void,
  widenX4: (em: WasmEmitter, node: WasmFunctionNode) => void,
): ElementCodec {
  const codec: ElementCodec = {
    scalar(node, offset) {
      node.em.i32Const(1).i32Shl();
      codec.scalarAt(node, offset);
    },
    vector(node, offset) {
      node.em.i32Const(1).i32Shl();
      codec.vectorAt(node, offset);
    },
    scalarAt(node, offset) {
      memory(node.em, scalarLoad, 1, offset);
      widen(node.em);
    },
    vectorAt(node, offset) {
      memory(node.em, V128_LOAD16X4_S, 1, offset);
      widenX4(node.em, node);
    },
    gather(node, offset, lanes) {
      gatherI32(node.em, lanes, () => {
        node.em.i32Const(1).i32Shl();
        memory(node.em, I32_LOAD16_S, 1, offset);
      });
      widenX4(node.em, node);
    },
  };
  return codec;
}

const halfCodec = (finite: boolean): ElementCodec =>
  twoByteCodec(I32_LOAD16_U, halfToFloat, (em, node) => halfToFloatX4(em, node, finite));

const INT16 = twoByteCodec(
  I32_LOAD16_S,
  (em) => em.f32ConvertI32S(),
  (em) => em.f32x4ConvertI32x4S(),
);

const HALF = halfCodec(false);
const FINITE_HALF = halfCodec(true);

/** stack: i32 raw half bits (zero-extended) → f32 with bits ((h & 0x7fff) << 13) | (sign << 16) */
function rawHalfToFloat(em: WasmEmitter): void {
  const h = em.addLocal('i32');
  em.localTee(h).i32Const(0x7fff).i32And().i32Const(13).i32Shl();
  em.localGet(h).i32Const(0x8000).i32And().i32Const(16).i32Shl().i32Or();
  em.f32ReinterpretI32();
}

/** RawHalfArray: the half's fields shifted into place, without the × 2^112 (half-array.ts). */
const RAW_HALF = twoByteCodec(I32_LOAD16_U, rawHalfToFloat, (em, node) => {
  em.i32Const(13).i32x4Shl();
  pushHalfFieldsMask(em, node);
  em.v128And();
});

/** The codec of a compact region. */
export function codecOf(info: CompactInfo): ElementCodec {
  if (info.kind === 'i8') return INT8;
  if (info.kind === 'i16') return INT16;
  if (info.kind === 'f16raw') return RAW_HALF;
  return info.finite ? FINITE_HALF : HALF;
}

/**
 * Stock's lane-varying gather index (x + dx·(y + dy·z) in i32x4, clamped into [0, elements − 1])
 * for a compact region, then the codec's gather; mirrors gpu.js 2.24.1's `vGather`.
 */
/** Pushes the flat element index x + dx·(y + dy·z) as an i32, through gpu.js's scalar index walk. */
export function emitFlatIndex(
  node: WasmFunctionNode,
  dims: readonly number[],
  xProperty: AstNode,
  yProperty: AstNode | null,
  zProperty: AstNode | null,
): void {
  node.emitIndex(xProperty);
  if (yProperty) {
    node.emitIndex(yProperty);
    node.em.i32Const(dims[0]).i32Mul().i32Add();
  }
  if (zProperty) {
    node.emitIndex(zProperty);
    node.em
      .i32Const(dims[0] * dims[1])
      .i32Mul()
      .i32Add();
  }
}

export function emitCompactGather(
  node: WasmFunctionNode,
  offset: number,
  dims: readonly number[],
  info: CompactInfo,
  xProperty: AstNode,
  yProperty: AstNode | null,
  zProperty: AstNode | null,
): 'vf32' {
  const em = node.em;
  node.vEmitIndex(xProperty);
  if (yProperty) {
    node.vEmitIndex(yProperty);
    const d = dims[0];
    em.v128ConstI32x4(d, d, d, d).i32x4Mul().i32x4Add();
  }
  if (zProperty) {
    node.vEmitIndex(zProperty);
    const d = dims[0] * dims[1];
    em.v128ConstI32x4(d, d, d, d).i32x4Mul().i32x4Add();
  }
  node.vZero();
  em.i32x4MaxS();
  const max = info.elements - 1;
  em.v128ConstI32x4(max, max, max, max).i32x4MinS();
  const lanes = em.addLocal('v128');
  em.localSet(lanes);
  codecOf(info).gather(node, offset, lanes);
  return 'vf32';
}

/**
 * Builds the `emitFlatLoad` override: scalar reads (the scalar kernel, and lane-uniform reads in the
 * SIMD kernel) of compact regions, with stock's index formula and its clamp under a live SIMD mask.
 */
export function makeCompactFlatLoad(original: AnyMethod): AnyMethod {
  return function emitFlatLoad(
    this: WasmFunctionNode,
    table: string,
    name: string,
    xProperty: AstNode,
    yProperty: AstNode | null,
    zProperty: AstNode | null,
    mNode: AstNode,
  ): unknown {
    const record = this.assembler?.layout[table]?.[name];
    const info = compactInfo(record);
    // outside SIMD masks stock reads the address as computed (no clamp): a loop pointer gives the same one
    const pointer = record && !(this.vec && this.vMaskDepth > 0) ? inductionRead(this, mNode) : null;
    if (record && pointer) {
      this.em.localGet(pointer.local);
      if (info) codecOf(info).scalarAt(this, record.offset + pointer.constantBytes);
      else this.em.f32Load(record.offset + pointer.constantBytes, 2);
      return 'f32';
    }
    if (!record || !info) return original.call(this, table, name, xProperty, yProperty, zProperty, mNode);
    emitFlatIndex(this, record.dims, xProperty, yProperty, zProperty);
    if (this.vec && this.vMaskDepth > 0) this.emitClampScalarIndex(info.elements - 1);
    codecOf(info).scalar(this, record.offset);
    return 'f32';
  };
}
