// The linear kernels of packed weights (ops/linear-webasm.ts): per weight a decode program (one row per
// call), a prefill program (PREFILL_ROWS rows per call) and the same built for 4 rows a call, each built on
// first use. int8 weights take their activations as int16 with per-row scales (activation-quant.ts, run by
// quantizer-module.ts). Weights of one kind and shape sit at one offset of same-sized chunks (packed-weight.ts),
// so the first of them compiles each kernel and the others instantiate that code over their own chunk.

import type { DeviceBuffer as Buffer } from '../backend.js';
import { RawHalfArray } from '../codegen/half-array.js';
import {
  JOINED_STREAMS,
  kPairs,
  kSlots,
  matvecSource,
  PREFILL_BLOCKS,
  PREFILL_ROWS,
  rowsSource,
  STREAMS,
  scatterRows,
  streamName,
} from '../ops/linear-webasm.js';
import { quantizeActivations } from './activation-quant.js';
import type { Region } from './arena.js';
import type { HostBuffers } from './host-buffers.js';
import { PACKED_BYTES, type PackedWeight, packedView, streamLength, toQOrder } from './packed-weight.js';
import { type ProgramOptions, WasmProgram } from './program.js';
import type { ProgramCode } from './program-code.js';
import { ActivationQuantizer, type QuantizedRows } from './quantizer-module.js';
import { engineStreamForm, type StreamForm } from './stream-step.js';
import type { ThreadPool } from './thread-pool.js';

type InputClass = new (value: unknown, size: number[]) => unknown;

type Which = 'decode' | 'prefill' | 'rows4';
/**
 * A program: the kernel, for f16 whether it reads the halves raw (RawHalfArray: no rebias multiply), and whether
 * it has the gelu_new epilogue (compiled only for a weight used with gelu: linear-webasm.ts).
 */
type ProgramKey = `${Which}${'' | '-raw'}${'' | '-gelu'}`;

/**
 * Chunks per thread of a prefill call (decode calls keep the pool's front-loaded chunks, whose streams through
 * the weights run long). A prefill call computes from weights its rows reuse from the cache, so more chunks
 * cost it little, and the calling thread waits less for the worker's last chunk: per 128-token prefill of
 * GPT-2 124M, f32 26–43 → 8–16 ms, f16 19–39 → 14–23 ms, int8 6–30 → 7–12 ms (three alternating pairs each,
 * Node 20).
 */
const PREFILL_CHUNKS_PER_THREAD = 16;

export interface LinearKernelsHost {
  readonly Input: InputClass;
  readonly pool: ThreadPool | undefined;
  readonly buffers: HostBuffers;
  /** Compiles a program (and registers it with the thread pool). */
  compile(name: string, options: ProgramOptions): WasmProgram;
  /** Forgets a program (thread pool included). */
  drop(program: WasmProgram): void;
}

export class LinearKernels {
  readonly #host: LinearKernelsHost;
  readonly #programs = new Map<Buffer, Partial<Record<ProgramKey, WasmProgram>>>();
  readonly #code = new Map<string, ProgramCode>();
  /** Biases in q order, per bias buffer. */
  readonly #qBias = new WeakMap<Buffer, Float32Array>();
  readonly #zeroBias = new Map<number, Float32Array>();
  /** int8: the activations' quantiser (undefined: quantizeActivations, into the two buffers below). */
  readonly #quantizer = ActivationQuantizer.create();
  readonly #int16Buffers = new Map<number, Int16Array>();
  readonly #rowScales = new Float32Array(PREFILL_ROWS);
  /** f32, f16 decode: one row of activations per length, scaled (f16) and zero-padded to kSlots(K). */
  readonly #rowCopies = new Map<number, Float32Array>();
  /** Weight streams per step of the kernels' loops per storage (int8 prefill: its rows in one pass or two): the form this engine compiles well. */
  readonly form: StreamForm = engineStreamForm();

  constructor(host: LinearKernelsHost) {
    this.#host = host;
  }

  /** y = x·W (+ bias) (→ gelu_new): x [R, K] (host) → [R, N] (host); whole blocks of rows take the prefill kernel (prefillRowsOf). */
  run(x: Float32Array, R: number, w: Buffer, bias: Buffer | undefined, gelu: boolean): Float32Array {
    const weight = w.storage as PackedWeight;
    const { K, N, G } = weight;
    const qBias = bias ? this.#biasInQOrder(bias, N) : this.#zeros(16 * G);
    const flag = gelu ? 1 : 0;
    const { buffers, pool } = this.#host;
    const int8 = weight.kind === 'int8';
    const out = buffers.take(R * N);
    // f16: the activations are scaled by 2^-halfShift against halves stored × 2^halfShift, and by 2^112 more
    // for the raw kernels (no rebias multiply per weight) unless that could overflow (half-shift.ts)
    const raw =
      weight.kind === 'f16' && weight.finite && maxAbs(x, R * K) < 2 ** (RAW_LIMIT + weight.halfShift);
    const xScale = weight.kind === 'f16' ? 2 ** ((raw ? 112 : 0) - weight.halfShift) : 1;
    // f32 and f16 kernels read kSlots(K) activations per row (zero-padded to the four weight streams)
    const Kp = kSlots(K);
    // rows [0, blocked) in calls of PREFILL_ROWS, then calls of 4 rows, then at most one row by the decode kernel
    const blocked = prefillRowsOf(R);
    const byFours = blocked + fourRowsOf(R - blocked);
    // a call takes 4·blocks rows: the last one's missing rows are zeros (their outputs are dropped)
    const callsOf = (which: 'prefill' | 'rows4', from: number, to: number) => {
      const blocks = which === 'prefill' ? PREFILL_BLOCKS : 1;
      const perCall = 4 * blocks;
      const program = this.#program(w, weight, which, raw, gelu);
      const tile = int8 ? undefined : buffers.take(perCall * Kp);
      for (let r = from; r < to; r += perCall) {
        const rows = Math.min(perCall, to - r);
        const block = x.subarray(r * K, (r + rows) * K);
        if (!tile) {
          // int8: rows are quantised straight from x, the missing ones zero
          const q = this.#quantize(block, rows, K, perCall);
          program.call([q.values, qBias, q.scales], [flag], pool);
        } else {
          if (Kp === K) tile.set(block);
          else padRows(block, rows, K, tile, Kp);
          tile.fill(0, rows * Kp, perCall * Kp);
          if (xScale !== 1) scaleInPlace(tile, rows * Kp, xScale);
          program.call([tile.subarray(0, perCall * Kp), qBias], [flag], pool);
        }
        scatterRows(program.output(), out, N, r, rows, blocks);
      }
      if (tile) buffers.give(tile);
    };
    if (blocked > 0) callsOf('prefill', 0, blocked);
    if (byFours > blocked) callsOf('rows4', blocked, byFours);
    if (byFours === R) return out;
    const decode = this.#program(w, weight, 'decode', raw, gelu);
    // f32, f16: a row of K not a multiple of STREAMS is copied into a zero-padded one of kSlots(K)
    const copy = !int8 && (xScale !== 1 || Kp !== K) ? this.#rowCopy(Kp) : undefined;
    for (let r = byFours; r < R; r++) {
      let row = x.subarray(r * K, (r + 1) * K);
      if (copy) {
        copy.set(row);
        if (xScale !== 1) scaleInPlace(copy, K, xScale);
        row = copy;
      }
      if (int8) {
        const q = this.#quantize(row, 1, K, 1);
        decode.call([q.values, qBias], [flag, q.scales[0]], pool);
      } else {
        decode.call([row, qBias], [flag], pool);
      }
      out.set(decode.output().subarray(0, N), r * N);
    }
    return out;
  }

  /** Drops a weight's programs (the weight is being freed). */
  forget(w: Buffer): void {
    const programs = this.#programs.get(w);
    if (!programs) return;
    for (const p of Object.values(programs)) if (p) this.#host.drop(p);
    this.#programs.delete(w);
  }

  dispose(): void {
    for (const programs of this.#programs.values()) for (const p of Object.values(programs)) p?.dispose();
    this.#programs.clear();
  }

  #program(w: Buffer, weight: PackedWeight, which: Which, raw: boolean, gelu: boolean): WasmProgram {
    let entry = this.#programs.get(w);
    if (!entry) {
      entry = {};
      this.#programs.set(w, entry);
    }
    const name: ProgramKey = `${which}${raw ? '-raw' : ''}${gelu ? '-gelu' : ''}`;
    const existing = entry[name];
    if (existing) return existing;
    // the kernels of a weight (raw or rebiasing, with or without gelu, 16 or 4 rows) share its region: a call
    // runs one of them (the 4-row kernel's arguments and output fit in the prefill kernel's)
    const own = weight.kernels[which === 'decode' ? 'decode' : 'prefill'];
    const key = [name, weight.kind, weight.K, weight.G, weight.finite, own.chunk.pages, own.offset].join('.');
    const code = this.#code.get(key);
    let program: WasmProgram;
    if (code) {
      program = new WasmProgram(code, own.chunk);
      if (program.threaded) this.#host.pool?.add(program);
    } else {
      program = this.#host.compile(`linear_${which}`, this.#options(weight, which, raw, gelu));
      this.#code.set(key, program.code);
    }
    entry[name] = program;
    return program;
  }

  #options(weight: PackedWeight, which: Which, raw: boolean, gelu: boolean): ProgramOptions {
    const { K, G } = weight;
    const { Input } = this.#host;
    const int8 = weight.kind === 'int8';
    const K2 = kPairs(K);
    const Kp = kSlots(K);
    const view = packedView(weight);
    const w = raw ? RawHalfArray.fromBits(view as Uint16Array) : view;
    // the STREAMS arrays: consecutive slices of the packed values, each a constant and a region of its own,
    // or one constant over all four where the kernel reads them so (the f32/f16 prefill kernel, and every
    // decode kernel in the two-streams-per-step form: linear-webasm.ts)
    const length = streamLength(weight.kind, K, G);
    const bytes = length * PACKED_BYTES[weight.kind];
    const decode = which === 'decode';
    const blocks = which === 'prefill' ? PREFILL_BLOCKS : 1;
    const step = this.form.streamsPerStep[weight.kind];
    const joined = decode ? step === 2 : !int8;
    const block = int8 ? [32, K2 / STREAMS] : [16, Kp / STREAMS];
    const constants: Record<string, unknown> = {};
    const regions: Record<string, Region> = {};
    if (joined) {
      constants[JOINED_STREAMS] = new Input(w.subarray(0, STREAMS * length), [...block, STREAMS * G]);
      regions[JOINED_STREAMS] = {
        chunk: weight.data.chunk,
        offset: weight.data.offset,
        bytes: STREAMS * bytes,
      };
    } else {
      for (let s = 0; s < STREAMS; s++) {
        const slice = w.subarray(s * length, (s + 1) * length);
        constants[streamName(s)] = new Input(slice, [...block, G]);
        regions[streamName(s)] = { chunk: weight.data.chunk, offset: weight.data.offset + s * bytes, bytes };
      }
    }
    if (weight.scales) constants.scale = new Input(new Float32Array(16 * G), [16, G]);
    const rows = decode ? 1 : 4 * blocks;
    // representative arguments: x (f32, or int8's int16 k pairs), bias, gelu, and int8's row scale(s)
    const x = int8
      ? new Input(new Int16Array(rows * 2 * K2), decode ? [2, K2] : [2, K2, rows])
      : new Input(new Float32Array(rows * Kp), decode ? [Kp] : [Kp, rows]);
    const rowScales = decode ? [0.5] : [new Input(new Float32Array(rows), [rows])];
    return {
      source: decode
        ? matvecSource({ K, G, int8, gelu }, step)
        : rowsSource({ K, G, int8, gelu }, step, blocks),
      settings: {
        output: decode ? [4, G] : [4, 4, G * blocks],
        returnType: 'Array(4)',
        constants,
        tactic: 'precision',
      },
      args: [x, new Input(new Float32Array(16 * G), [16, G]), 0, ...(int8 ? rowScales : [])],
      regions: { ...regions, ...(weight.scales ? { scale: weight.scales } : {}) },
      own: weight.kernels[decode ? 'decode' : 'prefill'],
      threaded: true,
      // a 4-row call streams through the weights as a decode call does: the pool's front-loaded chunks
      ...(which === 'prefill' ? { chunksPerThread: PREFILL_CHUNKS_PER_THREAD } : {}),
    };
  }

  #rowCopy(length: number): Float32Array {
    return lengthCached(this.#rowCopies, length, () => new Float32Array(length));
  }

  /** int8: rows [R, K] of x as int16 k pairs, padded with zero rows to `rows`, and their scales. */
  #quantize(x: Float32Array, R: number, K: number, rows: number): QuantizedRows {
    const stride = 2 * kPairs(K);
    if (this.#quantizer) return this.#quantizer.quantize(x, R, K, stride, rows);
    const values = lengthCached(this.#int16Buffers, rows * stride, () => new Int16Array(rows * stride));
    const scales = this.#rowScales.subarray(0, rows);
    quantizeActivations(x, R, K, values, scales);
    values.fill(0, R * stride);
    scales.fill(0, R);
    return { values, scales };
  }

  #biasInQOrder(bias: Buffer, N: number): Float32Array {
    let q = this.#qBias.get(bias);
    if (!q) {
      q = toQOrder(bias.storage as Float32Array, N);
      this.#qBias.set(bias, q);
    }
    return q;
  }

  #zeros(length: number): Float32Array {
    return lengthCached(this.#zeroBias, length, () => new Float32Array(length));
  }
}

/**
 * How many of R rows the prefill kernel computes (from the first); the decode kernel takes the rest one by one.
 * A prefill call computes PREFILL_ROWS rows whatever it is given, so a last block of at most half that is
 * cheaper row by row: one call of R rows against R one-row calls (GPT-2 124M's 768×3072 and 3072×768 weights,
 * two threads, Node 20): R = 4 1.3–1.9 against 0.7–1.1 ms, R = 8 about even (1.0–2.0 against 0.7–1.5 ms),
 * R = 16 1.1–2.0 against 1.5–2.9 ms; a decoding step of 4 beams paid a 16-row call for every weight.
 */
export function prefillRowsOf(R: number): number {
  const tail = R % PREFILL_ROWS;
  return tail <= PREFILL_ROWS / 2 ? R - tail : R;
}

/**
 * How many of the `rest` rows left after the prefill blocks go in calls of 4 rows (the last one padded): all
 * but a last single row, which the decode kernel takes. A 4-row call reads each weight once for its rows,
 * where the decode kernel reads it once a row.
 */
export function fourRowsOf(rest: number): number {
  return rest % 4 === 1 ? rest - 1 : rest;
}

/** The array kept in `cache` for `length`, made by `make` on first use. */
function lengthCached<T>(cache: Map<number, T>, length: number, make: () => T): T {
  let value = cache.get(length);
  if (value === undefined) {
    value = make();
    cache.set(length, value);
  }
  return value;
}

/**
 * f16 raw kernels take activations × 2^(112 − halfShift): below 2^(RAW_LIMIT + halfShift) in magnitude they
 * stay far from f32's 2^128 (and so do their products and sums); larger ones take the rebiasing kernel.
 */
const RAW_LIMIT = 15;

/** max |values[i]| over [0, length) (NaN when a value is NaN). */
function maxAbs(values: Float32Array, length: number): number {
  let max = 0;
  for (let i = 0; i < length; i++) {
    const v = Math.abs(values[i]);
    if (!(v <= max)) max = v;
  }
  return max;
}

/** Rows [rows, K] of `x` into `out` at a stride of Kp (the padding columns are left as they are). */
function padRows(x: Float32Array, rows: number, K: number, out: Float32Array, Kp: number): void {
  for (let r = 0; r < rows; r++) {
    out.set(x.subarray(r * K, (r + 1) * K), r * Kp);
    out.fill(0, r * Kp + K, (r + 1) * Kp);
  }
}

/** values[0 … length) × factor (a power of two: exact). */
function scaleInPlace(values: Float32Array, length: number, factor: number): void {
  for (let i = 0; i < length; i++) values[i] *= factor;
}
