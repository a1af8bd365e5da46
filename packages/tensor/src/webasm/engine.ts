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
// Generic kernels compile per (spec, params, shapes); linear kernels once per weight kind and shape
// (linear-kernels.ts); attention kernels once per cache shape (kv-storage.ts).

import type {
  DeviceBuffer as Buffer,
  Engine,
  KernelSpec,
  KVShape,
  KVStorage,
  SourceContext,
} from '../backend.js';
import { DeviceBuffer, kernelDims } from '../backend.js';
import { switchedOffBy } from '../codegen/switches.js';
import { halfValues } from '../dtype.js';
import { TensorError } from '../errors.js';
import type { WeightDType } from '../types.js';
import { Arena, type Region } from './arena.js';
import { HostBuffers } from './host-buffers.js';
import { ArenaKVStorage, type KVHost } from './kv-storage.js';
import { LinearKernels } from './linear-kernels.js';
import { type PackedWeight, packWeight, readFeature } from './packed-weight.js';
import { type KernelFactory, type ProgramOptions, WasmProgram } from './program.js';
import type { ProgramCache, ProgramCacheStats } from './program-cache.js';
import { packWeightFromRows, type RowReader } from './stream-pack.js';
import type { StreamForm } from './stream-step.js';
import type { ThreadPool } from './thread-pool.js';

type InputClass = new (value: unknown, size: number[]) => unknown;

/** Whether weights' pages are faulted in on every thread before packing (`GPT2JS_WASM_PREFAULT=0`: no). */
const prefaultOn = () => switchedOffBy('GPT2JS_WASM_PREFAULT') === null;

/** Generic kernels with at least this many output cells are split over the threads. */
const THREAD_MIN_CELLS = 16384;
/** Generic programs kept compiled (each holds its argument and output regions). */
const PROGRAM_CACHE_LIMIT = 256;

export interface WasmEngineOptions {
  readonly factory: KernelFactory;
  readonly Input: InputClass;
  readonly pool?: ThreadPool;
  /** Compiled programs kept across processes (program-cache.ts); none: every program compiles. */
  readonly programCache?: ProgramCache;
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
  readonly #programCache: ProgramCache | undefined;
  readonly #programs = new Map<string, WasmProgram>();
  readonly #linear: LinearKernels;
  readonly #zeros = new Map<string, Buffer>();
  /** Programs that read KV-cache regions (never evicted: they chain through each other's outputs). */
  readonly #cachePrograms = new Map<string, WasmProgram>();
  /** Freed KV-cache regions by size, reused so their programs stay valid. */
  readonly #freeCaches = new Map<string, { k: Region; v: Region }[]>();
  #halves: Float32Array | undefined;
  /** Weight packing's conversion buffer (one for every weight loaded: stream-pack.ts). */
  #packBuffer: ArrayBuffer | undefined;
  readonly #packScratch = (bytes: number): ArrayBuffer => {
    if (!this.#packBuffer || this.#packBuffer.byteLength < bytes) this.#packBuffer = new ArrayBuffer(bytes);
    return this.#packBuffer;
  };

  constructor(options: WasmEngineOptions) {
    this.#factory = options.factory;
    this.#Input = options.Input;
    this.#pool = options.pool;
    this.#programCache = options.programCache;
    const pool = options.pool;
    this.arena = new Arena({
      shared: !!pool,
      ...(pool && prefaultOn()
        ? { prefault: (r: Region) => pool.touch(r.chunk.memory, r.offset, r.offset + r.bytes) }
        : {}),
    });
    this.#linear = new LinearKernels({
      Input: options.Input,
      pool: options.pool,
      buffers: this.#host,
      compile: (name, programOptions) => this.#compile(name, programOptions),
      drop: (program) => this.#dropProgram(program),
    });
  }

  /** Worker threads in use, counting the calling thread (1: no workers). */
  get threads(): number {
    return this.#pool?.size ?? 1;
  }

  /** The linear kernels' loop form on this engine (stream-step.ts). */
  get linearForm(): StreamForm {
    return this.#linear.form;
  }

  /** What the kernel cache did in this engine's life (undefined without one). */
  get kernelCache(): ProgramCacheStats | undefined {
    return this.#programCache?.stats;
  }

  /** Chunks of kernel calls the worker threads have run so far (0 without workers). */
  get workerChunks(): number {
    return this.#pool?.workerChunks ?? 0;
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
    this.#linear.forget(buffer);
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
    read: RowReader,
    rowsPerRead: number,
  ): Promise<{ data: Buffer; scales?: Buffer }> {
    const weight = await packWeightFromRows(
      this.arena,
      this.#packScratch,
      layout,
      K,
      N,
      dtype,
      read,
      rowsPerRead,
    );
    return weightBuffers(weight);
  }

  /** y = x·W (+ bias) (→ gelu_new) for a packed weight: x [R, K] → [R, N]. */
  linearPacked(x: Buffer, w: Buffer, bias: Buffer | undefined, gelu: boolean): Buffer {
    const N = (w.storage as PackedWeight).N;
    return new DeviceBuffer(x.rows, N, this.#linear.run(x.storage as Float32Array, x.rows, w, bias, gelu));
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
    const host = inputs.map((b) => b.storage as Float32Array);
    if (spec.hostCopy) {
      const dims = kernelDims(spec.name, inputs, rows, cols);
      const out = this.#host.take(rows * cols);
      spec.reference({ inputs: host, scalars, dims, out }, params);
      return new DeviceBuffer(rows, cols, out);
    }
    const program = this.#genericProgram(spec, params, inputs, rows, cols, scalars);
    const out = this.#host.take(rows * cols);
    try {
      program.call(host, scalars, this.#pool);
    } catch (error) {
      throw wrapKernelError(spec.name, error);
    }
    out.set(program.output().subarray(0, rows * cols));
    return new DeviceBuffer(rows, cols, out);
  }

  /** Teardown: the arena's memory is dropped with the engine, so released regions are not zeroed. */
  discard(): void {
    this.arena.discard();
  }

  dispose(): void {
    for (const p of [...this.#programs.values(), ...this.#cachePrograms.values()]) p.dispose();
    this.#programs.clear();
    this.#cachePrograms.clear();
    this.#linear.dispose();
    this.#pool?.dispose();
  }

  /** The program of `spec` for these params and shapes: cached, or compiled (`inputs` must be live). */
  #genericProgram<P>(
    spec: KernelSpec<P>,
    params: P,
    inputs: readonly Buffer[],
    rows: number,
    cols: number,
    scalars: readonly number[],
  ): WasmProgram {
    // built by concatenation: this runs for every small kernel of a decode step
    let key = `${spec.name}|${spec.key(params)}|${rows}x${cols}`;
    for (const b of inputs) {
      if (b.freed) kernelDims(spec.name, inputs, rows, cols); // throws the 'disposed' error
      key += `|${b.rows}x${b.cols}`;
    }
    const cached = this.#programs.get(key);
    if (cached) {
      // Map order is the LRU order
      this.#programs.delete(key);
      this.#programs.set(key, cached);
      return cached;
    }
    const dims = kernelDims(spec.name, inputs, rows, cols);
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
      program = WasmProgram.compile(this.#factory, this.arena, options, this.#programCache);
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
