// One Engine over GPU.js, parameterised by mode (cpu, webasm, headlessgl, webgl, webgl2, webgpu).
// Buffers: host Float32Arrays on cpu/webasm (GPU.js copies them into its memory per call), kernel-output
// textures on the GL modes, storage-buffer handles on webgpu. Compiled kernels are cached by spec, params
// and shapes. GL outputs are laid out [cols, 1, rows] so any row width fits square textures ≤ maxTextureSize.

import type { DeviceBuffer as Buffer, Engine, KernelDims, KernelSpec, SourceContext } from '../backend.js';
import { DeviceBuffer, kernelDims } from '../backend.js';
import { halfValues } from '../dtype.js';
import { TensorError } from '../errors.js';
import gpujs from '../gpujs-module.js';
import type { BackendName } from '../types.js';

type GPUInstance = InstanceType<typeof gpujs.GPU>;
type CompiledKernel = ((...args: unknown[]) => unknown) & { destroy?: () => void };

const GL_MODES = new Set<BackendName>(['webgl', 'webgl2', 'headlessgl']);

/** Flattens a GPU.js result (a Float32Array or nested arrays of them) into one row-major Float32Array. */
export function flattenResult(value: unknown, length: number): Float32Array {
  if (value instanceof Float32Array) return value.length === length ? value : value.slice(0, length);
  let first: unknown = value;
  while (Array.isArray(first)) first = first[0];
  // webasm erects every row as a subarray of one buffer: view it instead of copying
  if (first instanceof Float32Array && first.byteOffset === 0 && first.buffer.byteLength === length * 4) {
    return new Float32Array(first.buffer, 0, length);
  }
  const out = new Float32Array(length);
  let offset = 0;
  const walk = (v: unknown) => {
    if (offset >= length) return;
    if (Array.isArray(v)) {
      for (const item of v) walk(item);
    } else if (ArrayBuffer.isView(v)) {
      const arr = v as Float32Array;
      out.set(arr.subarray(0, Math.min(arr.length, length - offset)), offset);
      offset += arr.length;
    } else if (typeof v === 'number') {
      out[offset++] = v;
    }
  };
  walk(value);
  return out;
}

/** A GPU.js Input: a flat array with its [x, y, z] dims (no per-call re-erecting of rows). */
function toInput(data: Float32Array, dims: number[]): unknown {
  return new gpujs.Input(data as unknown as number[], dims as [number, number]);
}

/** Engine options: webasm worker threads, and which compact weight storages the codegen extension provides. */
export interface GpuJsEngineOptions {
  threads?: number;
  /** int8 as Int8Array (1 byte), f16 as HalfArray (2 bytes) in wasm memory, widened inside the kernels. */
  compact?: { int8: boolean; f16: boolean; HalfArray: new (length: number) => Uint16Array };
}

/** The parts of gpu.js 2.24.1's WebAssemblyKernel that resident weights use (checked before each use). */
interface WasmKernelInternals {
  constants?: Record<string, unknown>;
  _active?: {
    memory?: { buffer: ArrayBufferLike };
    layout?: { constantArrays?: Record<string, { offset: number } | undefined> };
  } | null;
}

interface Releasable {
  delete(): void;
  toArray(): unknown;
}

export class GpuJsEngine implements Engine {
  readonly #kernels = new Map<string, CompiledKernel>();
  readonly #byConstant = new Map<number, string[]>();
  /** Host-side constants (packed weights) not yet moved into a kernel's memory. */
  readonly #unadopted = new Set<number>();
  /** Kernels built with constants that have not run yet, and what to adopt after their first run. */
  readonly #firstRun = new Map<CompiledKernel, { names: readonly string[]; constants: readonly Buffer[] }>();
  readonly #zeros = new Map<string, Buffer>();
  readonly #gl: boolean;
  readonly #host: boolean;
  readonly #ctx: SourceContext;

  constructor(
    readonly name: BackendName,
    readonly gpu: GPUInstance,
    readonly options: GpuJsEngineOptions = {},
  ) {
    this.#gl = GL_MODES.has(name);
    this.#host = name === 'cpu' || name === 'webasm';
    const gl = this.#gl;
    this.#ctx = {
      at: gl ? (n, r, c) => `${n}[${r}][0][${c}]` : (n, r, c) => `${n}[${r}][${c}]`,
      row: gl ? 'this.thread.z' : 'this.thread.y',
      col: 'this.thread.x',
      mode: name,
    };
  }

  /** GPU.js output / input dimensions of a [rows, cols] matrix. */
  dims(rows: number, cols: number): number[] {
    return this.#gl ? [cols, 1, rows] : [cols, rows];
  }

  upload(data: Float32Array, rows: number, cols: number): Buffer {
    if (this.#host) return new DeviceBuffer(rows, cols, data.slice());
    const kernel = this.#kernel(uploadSpec, null, { inputs: [{ rows, cols }], out: { rows, cols } });
    return new DeviceBuffer(rows, cols, kernel(toInput(data, this.dims(rows, cols))));
  }

  async read(buffer: Buffer): Promise<Float32Array> {
    const storage = await buffer.resolve();
    if (buffer.freed) throw new TensorError('disposed', `${this.name}: a buffer was read after it was freed`);
    const n = buffer.rows * buffer.cols;
    if (this.#host) return (storage as Float32Array).slice();
    return flattenResult(await (storage as Releasable).toArray(), n);
  }

  free(buffer: Buffer): void {
    if (buffer.freed) return;
    if (buffer.users > 0 || buffer.pending) {
      buffer.freeRequested = true;
      if (buffer.pending && buffer.users === 0) {
        buffer.pending.then(
          () => this.#release(buffer),
          () => this.#release(buffer),
        );
      }
      return;
    }
    this.#release(buffer);
  }

  #release(buffer: Buffer): void {
    if (buffer.freed || buffer.users > 0) return;
    buffer.freed = true;
    // kernels holding this buffer as a resident constant die with it (each owns a wasm memory copy)
    for (const key of this.#byConstant.get(buffer.id) ?? []) {
      const kernel = this.#kernels.get(key);
      if (kernel) this.#firstRun.delete(kernel);
      kernel?.destroy?.();
      this.#kernels.delete(key);
    }
    this.#byConstant.delete(buffer.id);
    this.#unadopted.delete(buffer.id);
    const storage = buffer.storage;
    buffer.storage = undefined;
    if (!this.#host && storage && typeof (storage as Releasable).delete === 'function') {
      (storage as Releasable).delete();
    }
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
    const all = [...inputs, ...constants];
    const dims = kernelDims(spec.name, all, rows, cols);
    const n = rows * cols;
    let exec: () => unknown;
    let firstRun:
      | { kernel: CompiledKernel; names: readonly string[]; constants: readonly Buffer[] }
      | undefined;
    if (this.#host && spec.hostCopy) {
      exec = () => {
        const out = new Float32Array(n);
        spec.reference({ inputs: all.map((b) => b.storage as Float32Array), scalars, dims, out }, params);
        return out;
      };
    } else {
      const kernel = this.#kernel(spec, params, dims, constants);
      const pending = this.#firstRun.get(kernel);
      if (pending && !all.some((b) => b.pending)) firstRun = { kernel, ...pending };
      const arg = (b: Buffer) =>
        this.#host ? toInput(b.storage as Float32Array, b.gpuDims ?? this.dims(b.rows, b.cols)) : b.storage;
      if (spec.rowwise) {
        exec = () => {
          const x = inputs[0].storage as Float32Array;
          const K = inputs[0].cols;
          const rest = inputs.slice(1).map(arg);
          const out = new Float32Array(n);
          const call = (r: number) => kernel(toInput(x.subarray(r * K, r * K + K), [K]), ...rest, ...scalars);
          let chain: Promise<unknown> | undefined;
          for (let r = 0; r < rows; r++) {
            if (chain) {
              chain = chain.then(() => call(r)).then((row) => out.set(flattenResult(row, cols), r * cols));
              continue;
            }
            const row = call(r);
            if (row instanceof Promise)
              chain = row.then((value) => out.set(flattenResult(value, cols), r * cols));
            else out.set(flattenResult(row, cols), r * cols);
          }
          return chain ? chain.then(() => out) : out;
        };
      } else {
        exec = () => {
          const result = kernel(...inputs.map(arg), ...scalars);
          if (result instanceof Promise) return result.then((r) => this.#collect(r, n));
          return this.#collect(result, n);
        };
      }
    }
    for (const b of all) b.users++;
    const done = () => {
      for (const b of all) {
        b.users--;
        if (b.users === 0 && b.freeRequested) this.free(b);
      }
    };
    let storage: unknown;
    try {
      storage = all.some((b) => b.pending) ? Promise.all(all.map((b) => b.resolve())).then(exec) : exec();
      if (firstRun) {
        this.#firstRun.delete(firstRun.kernel);
        this.#adopt(firstRun.kernel, firstRun.names, firstRun.constants);
      }
    } catch (error) {
      done();
      throw wrapKernelError(this.name, spec.name, error);
    }
    if (storage instanceof Promise) {
      storage = storage.then(
        (value) => {
          done();
          return value;
        },
        (error) => {
          done();
          throw wrapKernelError(this.name, spec.name, error);
        },
      );
    } else {
      done();
    }
    return new DeviceBuffer(rows, cols, storage);
  }

  /**
   * webasm: weights repacked as [G = ⌈N/4⌉][K][4] (zero-padded), so the four SIMD lanes of a kernel call read
   * four consecutive floats of one contiguous block (see ops/linear.ts, linearPackedSpec). Scales are padded
   * with ones to 4G. Both become resident constants of the weight's kernel at its first run (see #adopt).
   */
  packWeight(
    values: Float32Array | Int8Array | Uint16Array,
    layout: 'in_out' | 'out_in',
    K: number,
    N: number,
    scales?: Float32Array,
  ): { data: Buffer; scales?: Buffer } | undefined {
    if (this.name !== 'webasm') return undefined;
    const G = Math.ceil(N / 4);
    const compact = this.options.compact;
    const half = values instanceof Uint16Array;
    // compact storage keeps int8 / half bit patterns as they are (1 / 2 bytes in wasm memory, widened in the
    // kernel); without it they become f32 values
    let packed: Float32Array | Int8Array | Uint16Array;
    let decode: Float32Array | undefined;
    if (values instanceof Int8Array && compact?.int8) packed = new Int8Array(G * K * 4);
    else if (half && compact?.f16) packed = new compact.HalfArray(G * K * 4);
    else {
      packed = new Float32Array(G * K * 4);
      if (half) decode = halfValues();
    }
    const put = decode
      ? (to: number, from: number) => {
          packed[to] = (decode as Float32Array)[values[from]];
        }
      : (to: number, from: number) => {
          packed[to] = values[from];
        };
    // walk the source contiguously (the destination is strided by 4 either way)
    if (layout === 'in_out') {
      for (let k = 0; k < K; k++) {
        const row = k * N;
        for (let n = 0; n < N; n++) put(((n >> 2) * K + k) * 4 + (n & 3), row + n);
      }
    } else {
      for (let n = 0; n < N; n++) {
        const src = n * K;
        const dst = (n >> 2) * K * 4 + (n & 3);
        for (let k = 0; k < K; k++) put(dst + k * 4, src + k);
      }
    }
    const data = new DeviceBuffer(G * K, 4, packed);
    data.gpuDims = [4, K, G];
    data.elementBytes = packed.BYTES_PER_ELEMENT;
    this.#unadopted.add(data.id);
    if (!scales) return { data };
    const padded = new Float32Array(G * 4).fill(1);
    padded.set(scales);
    const scaleBuffer = new DeviceBuffer(1, G * 4, padded);
    this.#unadopted.add(scaleBuffer.id);
    return { data, scales: scaleBuffer };
  }

  zeros(rows: number, cols: number): Buffer {
    const key = `${rows}x${cols}`;
    let buffer = this.#zeros.get(key);
    if (!buffer) {
      buffer = this.upload(new Float32Array(rows * cols), rows, cols);
      this.#zeros.set(key, buffer);
    }
    return buffer;
  }

  /**
   * After a kernel's first run on webasm, its constants sit in its WebAssembly memory: point the weight's
   * buffer (and the kernel's own constant) at that region, so the packed host copy becomes garbage. A later
   * kernel bound to the same buffer copies from this view. Any gpu.js whose kernel lacks these internals
   * keeps the host copy (correct, twice the memory).
   */
  #adopt(kernel: CompiledKernel, names: readonly string[], constants: readonly Buffer[]): void {
    const inner = (kernel as unknown as { kernel?: WasmKernelInternals }).kernel;
    const entry = inner?._active;
    const regions = entry?.layout?.constantArrays;
    const memory = entry?.memory?.buffer;
    const bound = inner?.constants;
    if (!bound || !regions || !memory) return;
    constants.forEach((buffer, i) => {
      const name = names[i];
      const region = regions[name];
      const host = buffer.storage as ArrayBufferView & { length: number };
      if (!this.#unadopted.has(buffer.id) || !region || !ArrayBuffer.isView(host)) return;
      const View = host.constructor as new (
        b: ArrayBufferLike,
        offset: number,
        length: number,
      ) => typeof host;
      const view = new View(memory, region.offset, host.length);
      bound[name] = toInput(view as Float32Array, buffer.gpuDims ?? this.dims(buffer.rows, buffer.cols));
      buffer.storage = view;
      this.#unadopted.delete(buffer.id);
    });
  }

  hostView(buffer: Buffer): Float32Array | undefined {
    return this.#host && buffer.storage instanceof Float32Array ? buffer.storage : undefined;
  }

  dispose(): void {
    for (const kernel of this.#kernels.values()) kernel.destroy?.();
    this.#kernels.clear();
    const destroyed = (this.gpu as unknown as { destroy?: () => unknown }).destroy?.();
    if (destroyed instanceof Promise) destroyed.catch(() => undefined);
  }

  #collect(result: unknown, n: number): unknown {
    return this.#host ? flattenResult(result, n) : result;
  }

  #kernel<P>(
    spec: KernelSpec<P>,
    params: P,
    dims: KernelDims,
    constants: readonly Buffer[] = [],
  ): CompiledKernel {
    const rowwise = spec.rowwise?.(params, dims);
    const shapes = dims.inputs.map((d, i) => `${rowwise && i === 0 ? 1 : d.rows}x${d.cols}`);
    let key = `${spec.name}|${spec.key(params)}|${shapes.join(',')}|${dims.out.cols}`;
    if (!rowwise) key += `x${dims.out.rows}`;
    if (constants.length > 0) key += `|${constants.map((b) => `#${b.id}`).join(',')}`;
    let kernel = this.#kernels.get(key);
    if (kernel) return kernel;
    const names = [...spec.inputNames(params), ...spec.scalarNames];
    const source = `function(${names.join(', ')}) {\n${spec.body(this.#ctx, params, dims)}\n}`;
    const settings: Record<string, unknown> = {
      output: rowwise ?? this.dims(dims.out.rows, dims.out.cols),
      tactic: 'precision',
      // GL unrolls every loop against LOOP_MAX, so it must cover the longest literal bound (a row of 50257)
      loopMaxIterations: Math.max(
        1000,
        spec.loopMax?.(params, dims) ?? 0,
        dims.out.rows,
        dims.out.cols,
        ...dims.inputs.flatMap((d) => [d.rows, d.cols]),
      ),
    };
    if (!this.#host) {
      settings.pipeline = true;
      settings.immutable = true;
      settings.precision = 'single';
    }
    if (this.#gl) settings.optimizeFloatMemory = true;
    // webasm threads engage only under the async contract and from 4096 output cells (the LM head's 50257)
    const cells = (settings.output as number[]).reduce((a, b) => a * b, 1);
    if (this.name === 'webasm' && this.options.threads !== 1 && cells >= 4096) {
      settings.asyncMode = true;
      if (this.options.threads) settings.poolSize = this.options.threads;
    }
    if (constants.length > 0) {
      const names = spec.constantNames?.(params) ?? [];
      const values: Record<string, unknown> = {};
      constants.forEach((b, i) => {
        values[names[i]] = this.#host
          ? toInput(b.storage as Float32Array, b.gpuDims ?? this.dims(b.rows, b.cols))
          : b.storage;
        const keys = this.#byConstant.get(b.id) ?? [];
        keys.push(key);
        this.#byConstant.set(b.id, keys);
      });
      settings.constants = values;
    }
    try {
      kernel = this.gpu.createKernel(source, settings) as unknown as CompiledKernel;
    } catch (error) {
      throw wrapKernelError(this.name, spec.name, error);
    }
    this.#kernels.set(key, kernel);
    if (this.name === 'webasm' && constants.length > 0) {
      this.#firstRun.set(kernel, { names: spec.constantNames?.(params) ?? [], constants });
    }
    return kernel;
  }
}

/** Copies an uploaded input into a device-resident kernel output (GL texture / WebGPU buffer). */
const uploadSpec: KernelSpec<null> = {
  name: 'upload',
  inputNames: () => ['a'],
  scalarNames: [],
  key: () => '',
  body: (c) => `return ${c.at('a', c.row, c.col)};`,
  reference(args) {
    args.out.set(args.inputs[0]);
  },
};

function wrapKernelError(mode: string, kernel: string, error: unknown): TensorError {
  if (error instanceof TensorError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new TensorError('kernel_failed', `${kernel} on ${mode}: GPU.js failed: ${message}`, {
    cause: error,
  });
}
