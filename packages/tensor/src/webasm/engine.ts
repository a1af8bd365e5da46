// The webasm Engine: GPU.js kernels compiled by gpu.js's WebAssembly code generation, run over one arena
// of WebAssembly memories (arena.ts) with synchronous worker threads (thread-pool.ts).
//
// - Activations are host Float32Arrays; a kernel call copies its inputs into its module's argument
//   regions and its output out (a few KB per call when decoding).
// - Weights are packed once into the arena (packed-weight.ts) and never copied again: each weight's
//   decode and prefill kernels read it in place, so it is stored exactly once, at 1, 2 or 4 bytes per
//   element, and the workers read the same bytes.
// - Every linear call and every large kernel is split over all threads; there is no readback inside a
//   forward pass beyond these host copies.
// Kernels compile per (spec, params, shapes); the linear kernels of a weight compile once per weight.

import type {
  DeviceBuffer as Buffer,
  Engine,
  KernelDims,
  KernelSpec,
  KVShape,
  KVStorage,
  SourceContext,
} from '../backend.js';
import { DeviceBuffer } from '../backend.js';
import { halfValues, int8Scales, maxAbsPerFeature, quantizeWithScales, toHalfArray } from '../dtype.js';
import { TensorError } from '../errors.js';
import { matvecSource, PREFILL_BLOCKS, PREFILL_ROWS, rowsSource, scatterRows } from '../ops/linear-webasm.js';
import type { WeightDType } from '../types.js';
import { Arena, type Region } from './arena.js';
import { HostBuffers } from './host-buffers.js';
import { ArenaKVStorage, type KVHost } from './kv-storage.js';
import {
  allocPackedWeight,
  type PackedWeight,
  packedView,
  packWeight,
  readFeature,
  toQOrder,
  writeRows,
  writeScales,
} from './packed-weight.js';
import { type KernelFactory, type ProgramOptions, WasmProgram } from './program.js';
import type { ProgramCode } from './program-code.js';
import type { ThreadPool } from './thread-pool.js';

type InputClass = new (value: unknown, size: number[]) => unknown;

/** Generic kernels with at least this many output cells are split over the threads. */
const THREAD_MIN_CELLS = 16384;
/** Generic programs kept compiled (each holds its argument and output regions). */
const PROGRAM_CACHE_LIMIT = 256;

export interface WasmEngineOptions {
  readonly factory: KernelFactory;
  readonly Input: InputClass;
  readonly pool?: ThreadPool;
}

/** A weight's two linear kernels, built on first use. */
interface WeightPrograms {
  decode?: WasmProgram;
  prefill?: WasmProgram;
}

const ctx: SourceContext = {
  at: (n, r, c) => `${n}[${r}][${c}]`,
  row: 'this.thread.y',
  col: 'this.thread.x',
  mode: 'webasm',
};

export class WasmArenaEngine implements Engine {
  readonly name = 'webasm' as const;
  readonly arena: Arena;
  readonly #host = new HostBuffers();
  readonly #factory: KernelFactory;
  readonly #Input: InputClass;
  readonly #pool: ThreadPool | undefined;
  readonly #programs = new Map<string, WasmProgram>();
  readonly #weights = new Map<Buffer, WeightPrograms>();
  /** Compiled linear kernels, shared by the weights of one kind and shape (see #weightProgram). */
  readonly #weightCode = new Map<string, ProgramCode>();
  /** Biases in q order, per bias buffer. */
  readonly #qBias = new WeakMap<Buffer, Float32Array>();
  readonly #zeros = new Map<string, Buffer>();
  /** Programs that read KV-cache regions (never evicted: they chain through each other's outputs). */
  readonly #cachePrograms = new Map<string, WasmProgram>();
  /** Freed KV-cache regions by size, reused so their programs stay valid. */
  readonly #freeCaches = new Map<string, { k: Region; v: Region }[]>();
  #halves: Float32Array | undefined;

  constructor(options: WasmEngineOptions) {
    this.#factory = options.factory;
    this.#Input = options.Input;
    this.#pool = options.pool;
    this.arena = new Arena({ shared: !!options.pool });
  }

  /** Worker threads in use, counting the calling thread (1: no workers). */
  get threads(): number {
    return this.#pool?.size ?? 1;
  }

  upload(data: Float32Array, rows: number, cols: number): Buffer {
    const copy = this.#host.take(data.length);
    copy.set(data);
    return new DeviceBuffer(rows, cols, copy);
  }

  async read(buffer: Buffer): Promise<Float32Array> {
    if (buffer.freed) throw new TensorError('disposed', 'webasm: a buffer was read after it was freed');
    return (buffer.storage as Float32Array).slice();
  }

  hostView(buffer: Buffer): Float32Array | undefined {
    return buffer.storage instanceof Float32Array ? buffer.storage : undefined;
  }

  zeros(rows: number, cols: number): Buffer {
    const key = `${rows}x${cols}`;
    let buffer = this.#zeros.get(key);
    if (!buffer) {
      buffer = new DeviceBuffer(rows, cols, new Float32Array(rows * cols));
      this.#zeros.set(key, buffer);
    }
    return buffer;
  }

  free(buffer: Buffer): void {
    if (buffer.freed) return;
    buffer.freed = true;
    const storage = buffer.storage as PackedWeight | { region?: unknown } | undefined;
    buffer.storage = undefined;
    this.#host.give(storage);
    const programs = this.#weights.get(buffer);
    if (programs) {
      for (const p of [programs.decode, programs.prefill]) if (p) this.#dropProgram(p);
      this.#weights.delete(buffer);
    }
    if (storage && 'block' in storage && 'kind' in storage) storage.block.chunk.release(storage.block);
  }

  packWeight(
    values: Float32Array | Int8Array | Uint16Array,
    layout: 'in_out' | 'out_in',
    K: number,
    N: number,
    scales?: Float32Array,
  ): { data: Buffer; scales?: Buffer } {
    return weightBuffers(packWeight(this.arena, values, layout, K, N, scales));
  }

  async packWeightRows(
    layout: 'in_out' | 'out_in',
    K: number,
    N: number,
    dtype: WeightDType,
    read: (start: number, count: number) => Promise<Float32Array>,
    rowsPerRead: number,
  ): Promise<{ data: Buffer; scales?: Buffer }> {
    const weight = allocPackedWeight(this.arena, dtype, K, N);
    const rows = layout === 'in_out' ? K : N;
    const cols = layout === 'in_out' ? N : K;
    const blocks = async (each: (block: Float32Array, start: number, count: number) => void) => {
      for (let start = 0; start < rows; start += rowsPerRead) {
        const count = Math.min(rowsPerRead, rows - start);
        each(await read(start, count), start, count);
      }
    };
    try {
      let scales: Float32Array | undefined;
      if (dtype === 'int8' && layout === 'in_out') {
        // per-column scales span every row: a first pass finds them
        const max = new Float32Array(N);
        await blocks((block, _, count) => maxAbsPerFeature(block, count, cols, 1, max));
        scales = int8Scales(max);
      }
      const rowScales = dtype === 'int8' && layout === 'out_in' ? new Float32Array(N) : undefined;
      await blocks((block, start, count) => {
        let values: Float32Array | Int8Array | Uint16Array = block;
        if (dtype === 'f16') values = toHalfArray(block);
        else if (scales) values = quantizeWithScales(block, count, cols, 1, scales);
        else if (rowScales) {
          const own = int8Scales(maxAbsPerFeature(block, count, cols, 0));
          rowScales.set(own, start);
          values = quantizeWithScales(block, count, cols, 0, own);
        }
        writeRows(weight, layout, start, values, count);
      });
      if (dtype === 'int8') writeScales(weight, (scales ?? rowScales) as Float32Array);
    } catch (error) {
      weight.block.chunk.release(weight.block);
      throw error;
    }
    return weightBuffers(weight);
  }

  /** y = x·W (+ bias) (→ gelu_new) for a packed weight: x [R, K] → [R, N]. */
  linearPacked(x: Buffer, w: Buffer, bias: Buffer | undefined, gelu: boolean): Buffer {
    const weight = w.storage as PackedWeight;
    const { K, N, G } = weight;
    const R = x.rows;
    const xs = x.storage as Float32Array;
    const qBias = bias ? this.#biasInQOrder(bias, N) : (this.zeros(1, 16 * G).storage as Float32Array);
    const flag = gelu ? 1 : 0;
    const out = this.#host.take(R * N);
    const pool = this.#pool;
    let r = 0;
    if (R >= 4) {
      const prefill = this.#weightProgram(w, weight, 'prefill');
      const tile = this.#host.take(PREFILL_ROWS * K);
      for (; r < R; r += PREFILL_ROWS) {
        const rows = Math.min(PREFILL_ROWS, R - r);
        tile.fill(0);
        tile.set(xs.subarray(r * K, (r + rows) * K));
        prefill.call([tile, qBias], [flag], pool);
        scatterRows(prefill.output(), out, N, r, rows);
      }
      this.#host.give(tile);
      return new DeviceBuffer(R, N, out);
    }
    const decode = this.#weightProgram(w, weight, 'decode');
    for (; r < R; r++) {
      decode.call([xs.subarray(r * K, (r + 1) * K), qBias], [flag], pool);
      out.set(decode.output().subarray(0, N), r * N);
    }
    return new DeviceBuffer(R, N, out);
  }

  /** Rows `ids[r]` of a packed out_in weight (wte), scaled for int8, plus `wpe[positions[r]]`: [R, K]. */
  gatherPacked(w: Buffer, wpe: Buffer, ids: Int32Array, positions: Int32Array): Buffer {
    const weight = w.storage as PackedWeight;
    const { K } = weight;
    const pe = wpe.storage as Float32Array;
    const out = this.#host.take(ids.length * K);
    const row = new Float32Array(K);
    if (weight.kind === 'f16') this.#halves ??= halfValues();
    for (let r = 0; r < ids.length; r++) {
      readFeature(weight, ids[r], row, this.#halves);
      const at = positions[r] * K;
      for (let k = 0; k < K; k++) out[r * K + k] = row[k] + pe[at + k];
    }
    return new DeviceBuffer(ids.length, K, out);
  }

  createKVStorage(shape: KVShape): KVStorage {
    const host: KVHost = {
      cacheRegions: (kBytes, vBytes, slack) => {
        const free = this.#freeCaches.get(`${kBytes}.${vBytes}`)?.pop();
        if (free) return free;
        const k = this.arena.allocWeight(kBytes, vBytes + slack);
        return { k, v: this.arena.alloc(vBytes, k.chunk) };
      },
      // stale positions are never read (attention reads positions < L0 + T, all written by this cache)
      returnCacheRegions: (k, v) => {
        const key = `${k.bytes}.${v.bytes}`;
        const list = this.#freeCaches.get(key) ?? [];
        list.push({ k, v });
        this.#freeCaches.set(key, list);
      },
      program: (key, build) => {
        let program = this.#cachePrograms.get(key);
        if (!program) {
          program = this.#compile(key.split('|')[0], build());
          this.#cachePrograms.set(key, program);
        }
        return program;
      },
      callProgram: (program, inputs, scalars, cells) => program.call(inputs, scalars, this.#pool, cells),
      buffers: this.#host,
    };
    return new ArenaKVStorage(shape, host, this.#Input);
  }

  run<P>(
    spec: KernelSpec<P>,
    params: P,
    inputs: readonly Buffer[],
    scalars: readonly number[],
    rows: number,
    cols: number,
    constants: readonly Buffer[] = [],
  ): Buffer {
    if (constants.length > 0) {
      throw new TensorError(
        'kernel_failed',
        `${spec.name} on webasm: kernel constants are not supported here`,
      );
    }
    for (const b of inputs) {
      if (b.freed)
        throw new TensorError('disposed', `${spec.name}: an input buffer was freed before the kernel ran`);
    }
    const dims: KernelDims = {
      inputs: inputs.map((b) => ({ rows: b.rows, cols: b.cols })),
      out: { rows, cols },
    };
    const host = inputs.map((b) => b.storage as Float32Array);
    const out = this.#host.take(rows * cols);
    if (spec.hostCopy) {
      spec.reference({ inputs: host, scalars, dims, out }, params);
      return new DeviceBuffer(rows, cols, out);
    }
    const program = this.#genericProgram(spec, params, dims, scalars);
    try {
      program.call(host, scalars, this.#pool);
    } catch (error) {
      throw wrapKernelError(spec.name, error);
    }
    out.set(program.output().subarray(0, rows * cols));
    return new DeviceBuffer(rows, cols, out);
  }

  dispose(): void {
    for (const p of [...this.#programs.values(), ...this.#cachePrograms.values()]) p.dispose();
    this.#programs.clear();
    this.#cachePrograms.clear();
    for (const programs of this.#weights.values()) {
      for (const p of [programs.decode, programs.prefill]) if (p) p.dispose();
    }
    this.#weights.clear();
    this.#pool?.dispose();
  }

  #biasInQOrder(bias: Buffer, N: number): Float32Array {
    let q = this.#qBias.get(bias);
    if (!q) {
      q = toQOrder(bias.storage as Float32Array, N);
      this.#qBias.set(bias, q);
    }
    return q;
  }

  /**
   * The decode or prefill kernel of a weight. Weights of one kind and shape sit at one offset of
   * same-sized chunks, so the first one compiles the kernel and the others instantiate that code over
   * their own chunk (`#weightCode`).
   */
  #weightProgram(buffer: Buffer, weight: PackedWeight, which: 'decode' | 'prefill'): WasmProgram {
    let entry = this.#weights.get(buffer);
    if (!entry) {
      entry = {};
      this.#weights.set(buffer, entry);
    }
    const existing = entry[which];
    if (existing) return existing;
    const own = weight.kernels[which];
    const key = [which, weight.kind, weight.K, weight.G, weight.finite, own.chunk.pages, own.offset].join(
      '.',
    );
    const code = this.#weightCode.get(key);
    let program: WasmProgram;
    if (code) {
      program = new WasmProgram(code, own.chunk);
      if (program.threaded) this.#pool?.add(program);
    } else {
      program = this.#compile(`linear_${which}`, this.#linearOptions(weight, which));
      this.#weightCode.set(key, program.code);
    }
    entry[which] = program;
    return program;
  }

  #linearOptions(weight: PackedWeight, which: 'decode' | 'prefill'): ProgramOptions {
    const { K, G } = weight;
    const Input = this.#Input;
    const constants: Record<string, unknown> = { w: new Input(packedView(weight), [16, K, G]) };
    if (weight.scales) constants.scale = new Input(new Float32Array(16 * G), [16, G]);
    const decode = which === 'decode';
    return {
      source: (decode ? matvecSource : rowsSource)({ K, G, int8: weight.kind === 'int8' }),
      settings: {
        output: decode ? [4, G] : [4, 4, G * PREFILL_BLOCKS],
        returnType: 'Array(4)',
        constants,
        tactic: 'precision',
      },
      args: [
        decode
          ? new Input(new Float32Array(K), [K])
          : new Input(new Float32Array(PREFILL_ROWS * K), [K, PREFILL_ROWS]),
        new Input(new Float32Array(16 * G), [16, G]),
        0,
      ],
      regions: { w: weight.data, ...(weight.scales ? { scale: weight.scales } : {}) },
      own: weight.kernels[which],
      threaded: true,
    };
  }

  #genericProgram<P>(
    spec: KernelSpec<P>,
    params: P,
    dims: KernelDims,
    scalars: readonly number[],
  ): WasmProgram {
    const shapes = dims.inputs.map((d) => `${d.rows}x${d.cols}`).join(',');
    const key = `${spec.name}|${spec.key(params)}|${shapes}|${dims.out.rows}x${dims.out.cols}`;
    const cached = this.#programs.get(key);
    if (cached) {
      // Map order is the LRU order
      this.#programs.delete(key);
      this.#programs.set(key, cached);
      return cached;
    }
    const names = [...spec.inputNames(params), ...spec.scalarNames];
    const cells = dims.out.rows * dims.out.cols;
    const Input = this.#Input;
    const program = this.#compile(spec.name, {
      source: `function(${names.join(', ')}) {\n${spec.body(ctx, params, dims)}\n}`,
      settings: {
        output: [dims.out.cols, dims.out.rows],
        tactic: 'precision',
        loopMaxIterations: Math.max(1000, spec.loopMax?.(params, dims) ?? 0),
      },
      args: [
        ...dims.inputs.map((d) => new Input(new Float32Array(d.rows * d.cols), [d.cols, d.rows])),
        ...scalars,
      ],
      threaded: cells >= THREAD_MIN_CELLS,
    });
    this.#programs.set(key, program);
    while (this.#programs.size > PROGRAM_CACHE_LIMIT) {
      const [oldest, p] = this.#programs.entries().next().value as [string, WasmProgram];
      this.#programs.delete(oldest);
      this.#dropProgram(p);
    }
    return program;
  }

  #compile(name: string, options: ProgramOptions): WasmProgram {
    let program: WasmProgram;
    try {
      program = WasmProgram.compile(this.#factory, this.arena, options);
    } catch (error) {
      throw wrapKernelError(name, error);
    }
    if (program.threaded) this.#pool?.add(program);
    return program;
  }

  #dropProgram(program: WasmProgram): void {
    this.#pool?.release([program.id]);
    program.dispose();
  }
}

/** The device buffers of a packed weight (and of its int8 scales). */
function weightBuffers(weight: PackedWeight): { data: Buffer; scales?: Buffer } {
  const data = new DeviceBuffer(weight.G * weight.K, 16, weight);
  data.elementBytes = { f32: 4, f16: 2, int8: 1 }[weight.kind];
  if (!weight.scales) return { data };
  return { data, scales: new DeviceBuffer(1, 16 * weight.G, weight.scales) };
}

function wrapKernelError(kernel: string, error: unknown): TensorError {
  if (error instanceof TensorError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new TensorError('kernel_failed', `${kernel} on webasm: ${message}`, { cause: error });
}
