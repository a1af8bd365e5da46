// The int16 activation quantisation of activation-quant.ts as a small WebAssembly SIMD module of its own,
// written here instruction by instruction. V8 runs the JavaScript loops at about 3.3 ns per element, serially,
// before every int8 linear call while the worker waits (≈ 40 ms of a 128-token GPT-2 124M prefill); this
// module takes about 0.6: it finds the row's maximum four lanes at a time (f32x4.pmax, NaNs noted on the
// side), and rounds x · 32767/max in double precision two lanes at a time by adding 1.5·2^52, exactly as the
// JavaScript does, storing the low 16 bits of each lane; so every value and scale is bit-identical to
// quantizeActivations (test/quantizer-module.test.ts). `GPT2JS_WASM_QUANTIZER=0` turns it off.
//
//   quantize(x, R, K, out, stride, scales): x f32 [R, K] at byte x, out int16 [R, stride] at byte out (the
//   elements K … stride − 1 of each row set to 0, a row holding NaN or ±Infinity all 0), scales f32 [R] at byte
//   scales.

import { uleb } from '../codegen/raw-bytes.js';
import { switchedOffBy } from '../codegen/switches.js';

const I32 = 0x7f;
const F32 = 0x7d;
const F64 = 0x7c;
const V128 = 0x7b;

const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const f32Const = (v: number): number[] => [0x43, ...new Uint8Array(Float32Array.of(v).buffer)];
const f64Const = (v: number): number[] => [0x44, ...new Uint8Array(Float64Array.of(v).buffer)];
const simd = (op: number, ...immediates: number[]): number[] => [0xfd, ...uleb(op), ...immediates];

// locals: the parameters, then the function's own
const X = 0;
const ROWS = 1;
const K = 2;
const OUT = 3;
const STRIDE = 4;
const SCALES = 5;
const R = 6;
const k = 7;
const ROW_X = 8;
const ROW_OUT = 9;
const BAD = 10;
const MAX = 11;
const V = 12;
const INV = 13;
const ACC = 14;
const NANS = 15;
const VINV = 16;
const MAGIC = 17;
const XS = 18;
const PAIR = 19;

const get = (l: number) => [0x20, l];
const set = (l: number) => [0x21, l];
const tee = (l: number) => [0x22, l];
/** i32.const of a literal in [0, 63]: one byte of signed LEB128 (the only i32 literals this module needs). */
const i32 = (v: number) => {
  if (!(v >= 0 && v < 64)) throw new RangeError(`quantizer module: i32 literal ${v} outside [0, 63]`);
  return [0x41, v];
};
const ADD = 0x6a;
const MUL = 0x6c;
const SHL = 0x74;
/** memarg: alignment hint 0 (any address), offset 0 or `offset`. */
const memarg = (offset = 0) => [0x00, ...uleb(offset)];
const MEMARG = memarg();

/** 1.5·2^52: a double of magnitude < 2^31 plus this is rounded to an integer (ties to even), held in its low bits. */
const ROUNDING = 6755399441055744;

/** `l += step` */
const bump = (l: number, step: number) => [...get(l), ...i32(step), ADD, ...set(l)];
/** byte address base + index·2^shift */
const addr = (base: number, index: number, shift: number) => [
  ...get(base),
  ...get(index),
  ...i32(shift),
  SHL,
  ADD,
];
/** `while (!exit) body`: block, loop, `exit`, br_if 1 (out), body, br 0 (again), end, end. */
// biome-ignore format: an instruction sequence
const loopWhile = (exit: number[], body: number[]) => [0x02, 0x40, 0x03, 0x40, ...exit, 0x0d, 0x01, ...body, 0x0c, 0x00, 0x0b, 0x0b];

/**
 * k + 2p and k + 2p + 1 of the row: x · inverse + 1.5·2^52 in double precision, whose low 16 bits (int16 lanes
 * 0 and 4) are the two rounded values, stored straight from their lanes.
 */
// biome-ignore format: an instruction sequence
const roundedPair = (p: number) => [
  ...addr(ROW_X, k, 2), ...simd(0x5d, ...memarg(8 * p)) /* v128.load64_zero */,
  ...simd(0x5f) /* f64x2.promote_low_f32x4 */, ...get(VINV), ...simd(0xf2) /* f64x2.mul */,
  ...get(MAGIC), ...simd(0xf0) /* f64x2.add */, ...set(PAIR),
  ...addr(ROW_OUT, k, 1), ...get(PAIR), ...simd(0x59, ...memarg(4 * p), 0) /* v128.store16_lane 0 */,
  ...addr(ROW_OUT, k, 1), ...get(PAIR), ...simd(0x59, ...memarg(4 * p + 2), 4) /* v128.store16_lane 4 */,
];

/** One row r. */
// biome-ignore format: an instruction sequence
const rowBody = [
  // ROW_X = X + r·K·4, ROW_OUT = OUT + r·stride·2, k = 0
  ...get(X), ...get(R), ...get(K), MUL, ...i32(2), SHL, ADD, ...set(ROW_X),
  ...get(OUT), ...get(R), ...get(STRIDE), MUL, ...i32(1), SHL, ADD, ...set(ROW_OUT),
  ...i32(0), ...set(k),
  // max |x| four lanes at a time (f32x4.pmax: one instruction, a NaN never wins), NaNs noted on the side
  ...simd(0x0c, ...new Array(16).fill(0)) /* v128.const 0 */, ...tee(ACC), ...set(NANS),
  ...loopWhile(
    [...get(k), ...i32(4), ADD, ...get(K), 0x4b /* i32.gt_u */],
    [...addr(ROW_X, k, 2), ...simd(0x00, ...MEMARG) /* v128.load */, ...set(XS),
      ...get(ACC), ...get(XS), ...simd(0xe0) /* f32x4.abs */, ...simd(0xeb) /* f32x4.pmax */, ...set(ACC),
      ...get(NANS), ...get(XS), ...get(XS), ...simd(0x42) /* f32x4.ne */, ...simd(0x50) /* v128.or */, ...set(NANS),
      ...bump(k, 4)],
  ),
  ...get(NANS), ...simd(0x53) /* v128.any_true */, ...set(BAD),
  ...get(ACC), ...simd(0x1f, 0) /* f32x4.extract_lane */,
  ...get(ACC), ...simd(0x1f, 1), 0x97 /* f32.max */,
  ...get(ACC), ...simd(0x1f, 2), 0x97,
  ...get(ACC), ...simd(0x1f, 3), 0x97, ...set(MAX),
  ...loopWhile(
    [...get(k), ...get(K), 0x4f /* i32.ge_u */],
    [...addr(ROW_X, k, 2), 0x2a, ...MEMARG /* f32.load */, ...set(V),
      ...get(BAD), ...get(V), ...get(V), 0x5c /* f32.ne */, 0x72 /* i32.or */, ...set(BAD),
      ...get(MAX), ...get(V), 0x8b /* f32.abs */, 0x97, ...set(MAX),
      ...bump(k, 1)],
  ),
  // a row with NaN or ±Infinity (Infinity is then the maximum) is bad
  ...get(BAD), ...get(MAX), ...f32Const(Number.POSITIVE_INFINITY), 0x5b /* f32.eq */, 0x72, ...set(BAD),
  // scale = f32(max / 32767) (NaN for a bad row), inverse = 32767 / max (0 for a zero row)
  ...f64Const(0), ...set(INV),
  ...addr(SCALES, R, 2),
  ...get(BAD),
  0x04, F32 /* if (result f32) */, ...f32Const(Number.NaN),
  0x05 /* else */,
  ...get(MAX), ...f32Const(0), 0x5e /* f32.gt */,
  0x04, 0x40, ...f64Const(32767), ...get(MAX), 0xbb /* f64.promote_f32 */, 0xa3 /* f64.div */, ...set(INV), 0x0b,
  ...get(MAX), 0xbb, ...f64Const(32767), 0xa3, 0xb6 /* f32.demote_f64 */,
  0x0b,
  0x38, ...MEMARG /* f32.store */,
  // q = x · inverse rounded to nearest (ties to even) in double precision, four k at a time, then the
  // tail; a bad row is left to the zero fill below (from k = 0)
  ...i32(0), ...set(k),
  ...get(BAD), 0x45 /* i32.eqz */,
  0x04, 0x40,
  ...get(INV), ...simd(0x14) /* f64x2.splat */, ...set(VINV),
  ...f64Const(ROUNDING), ...simd(0x14), ...set(MAGIC),
  ...loopWhile([...get(k), ...i32(4), ADD, ...get(K), 0x4b], [...roundedPair(0), ...roundedPair(1), ...bump(k, 4)]),
  ...loopWhile(
    [...get(k), ...get(K), 0x4f],
    [...addr(ROW_OUT, k, 1), ...addr(ROW_X, k, 2), 0x2a, ...MEMARG, 0xbb, ...get(INV), 0xa2 /* f64.mul */,
      0x9e /* f64.nearest */, 0xfc, 0x02 /* i32.trunc_sat_f64_s */, 0x3b, ...MEMARG /* i32.store16 */, ...bump(k, 1)],
  ),
  0x0b,
  // zeros: the padding, or the whole row of a bad row
  ...loopWhile([...get(k), ...get(STRIDE), 0x4f], [...addr(ROW_OUT, k, 1), ...i32(0), 0x3b, ...MEMARG, ...bump(k, 1)]),
];

/** The module: one exported memory ("memory", one page to start) and `quantize`. */
export function quantizerModuleBytes(): Uint8Array<ArrayBuffer> {
  // four groups of locals after the parameters: 5 i32 (R … BAD), 2 f32 (MAX, V), 1 f64 (INV), 6 v128 (ACC … PAIR)
  const locals = [4, 5, I32, 2, F32, 1, F64, 6, V128];
  const body = [...locals, ...loopWhile([...get(R), ...get(ROWS), 0x4f], [...rowBody, ...bump(R, 1)]), 0x0b];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 6, I32, I32, I32, I32, I32, I32, 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, 1]),
    ...section(7, [2, ...name('quantize'), 0x00, 0, ...name('memory'), 0x02, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ];
  return new Uint8Array(bytes);
}

type Quantize = (x: number, R: number, K: number, out: number, stride: number, scales: number) => void;

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null where this engine has no WebAssembly SIMD (compiled once per thread). */
function quantizerModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const bytes = quantizerModuleBytes();
    compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  return compiled;
}

const align16 = (bytes: number) => Math.ceil(bytes / 16) * 16;
const PAGE = 65536;

/** int16 activations and their row scales, as views into the quantiser's memory (valid until its next call). */
export interface QuantizedRows {
  readonly values: Int16Array;
  readonly scales: Float32Array;
}

/** activation-quant.ts's quantizeActivations, run by the module above over a memory of its own. */
export class ActivationQuantizer {
  readonly #memory: WebAssembly.Memory;
  readonly #quantize: Quantize;

  private constructor(instance: WebAssembly.Instance) {
    this.#memory = instance.exports.memory as WebAssembly.Memory;
    this.#quantize = instance.exports.quantize as Quantize;
  }

  /**
   * A quantiser, or undefined where the engine has no WebAssembly SIMD or `GPT2JS_WASM_QUANTIZER=0` turns it
   * off (use quantizeActivations there).
   */
  static create(): ActivationQuantizer | undefined {
    if (switchedOffBy('GPT2JS_WASM_QUANTIZER') !== null) return undefined;
    const module = quantizerModule();
    return module ? new ActivationQuantizer(new WebAssembly.Instance(module)) : undefined;
  }

  /**
   * Quantises rows [R, K] of `x` into `rows` ≥ R rows of `stride` int16 values (row r at r·stride; the
   * elements past K, and every row from R on, set to 0, with scale 0).
   */
  quantize(x: Float32Array, R: number, K: number, stride: number, rows = R): QuantizedRows {
    const xBytes = align16(R * K * 4);
    const outBytes = align16(rows * stride * 2);
    const needed = xBytes + outBytes + rows * 4;
    const have = this.#memory.buffer.byteLength;
    if (needed > have) this.#memory.grow(Math.ceil((needed - have) / PAGE));
    const buffer = this.#memory.buffer;
    new Float32Array(buffer, 0, R * K).set(x.subarray(0, R * K));
    this.#quantize(0, R, K, xBytes, stride, xBytes + outBytes);
    const values = new Int16Array(buffer, xBytes, rows * stride);
    const scales = new Float32Array(buffer, xBytes + outBytes, rows);
    values.fill(0, R * stride);
    scales.fill(0, R);
    return { values, scales };
  }
}
