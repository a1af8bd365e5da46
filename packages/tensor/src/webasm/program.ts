// One GPU.js kernel compiled by gpu.js's own WebAssembly code generation (with this package's codegen
// extension), but laid out over an arena chunk instead of a private memory: the same steps gpu.js's fused
// pipeline executor takes (prepare the kernel for representative arguments, compute its layout,
// relocate every region, `_assembleModule` against the shared layout), so constants can point at
// weights that live once in the arena and several kernels read them in place.
//
// A program owns one region of its chunk for its arguments, scalars and output. A call copies the
// arguments in, runs `run_simd` / `run` over all cells (split over the thread pool when asked), and
// copies the output out.

import { compactKindOfArray } from '../codegen/compact-storage.js';
import type { Arena, ArenaChunk, Region } from './arena.js';
import type { ThreadPool } from './thread-pool.js';

const SUPPORTED = new Set(['Array', 'Input', 'Number', 'Float', 'Integer', 'Boolean']);
const align16 = (v: number) => Math.ceil(v / 16) * 16;
/** Below this many cells a call is not worth splitting over threads. */
const MIN_THREADED_CELLS = 64;

/** The slice of gpu.js 2.24.1's WebAssemblyKernel a program drives (fingerprinted by the codegen installer). */
interface KernelInternals {
  argumentNames: string[];
  argumentTypes: string[] | null;
  declaredArgumentTypes?: string[] | null;
  constantTypes: Record<string, string>;
  constants: Record<string, unknown> | null;
  output: number[];
  threadDim: number[] | null;
  componentCount: number;
  usedMathImports: Set<string>;
  setupConstants(): void;
  setupArguments(args: unknown[]): void;
  validateSettings(args: unknown[]): void;
  translateSource(): boolean;
  computeLayout(args: unknown[]): Layout;
  _assembleModule(layout: Layout, cells: number, shared: boolean): { bytes: Uint8Array };
}

interface ArrayRecord {
  index?: number;
  offset: number;
  dims: number[];
  flatLength: number;
}

interface Layout {
  arrays: Record<string, ArrayRecord>;
  scalars: Record<string, { index: number; offset: number; type: string }>;
  constantArrays: Record<string, ArrayRecord>;
  outputOffset: number;
  totalBytes?: number;
}

/** What the gpu.js GPU instance offers for building kernels. */
export interface KernelFactory {
  createKernel(source: string, settings: Record<string, unknown>): { kernel: unknown; destroy(): void };
}

export interface ProgramOptions {
  /** gpu.js kernel source: `function (a, b, …) { … }` */
  source: string;
  /** gpu.js settings: output, returnType, constants (array constants must appear in `regions`), … */
  settings: Record<string, unknown>;
  /** One representative value per argument: an `Input` of the real dims, or a number. */
  args: unknown[];
  /** Arena regions holding array constants (their bytes already written in gpu.js's storage format). */
  regions?: Record<string, Region>;
  /**
   * Arguments read in place from existing regions (a KV cache, another program's output) instead of
   * from a region of their own: `call` takes `null` for them and copies nothing.
   */
  bind?: Record<string, Region>;
  /** Where the program's own region goes (the chunk of its constants). */
  chunk?: ArenaChunk;
  /** Split calls over the thread pool. */
  threaded: boolean;
}

let nextProgramId = 1;

export class WasmProgram {
  readonly id = nextProgramId++;
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly math: readonly string[];
  readonly cells: number;
  readonly components: number;
  readonly threaded: boolean;
  readonly #region: Region;
  readonly #run: (start: number, end: number, seed: number) => void;
  readonly #runSimd: ((start: number, end: number, seed: number) => void) | null;
  readonly #sizeX: number;
  readonly #f32: Float32Array;
  readonly #i32: Int32Array;
  readonly #inputs: { offset: number; length: number; bound: boolean }[];
  readonly #scalars: { index: number; offset: number; type: string }[];
  readonly #outputOffset: number;

  constructor(factory: KernelFactory, arena: Arena, options: ProgramOptions) {
    const shortcut = factory.createKernel(options.source, options.settings);
    try {
      const kernel = shortcut.kernel as KernelInternals;
      const args = options.args;
      kernel.argumentTypes = kernel.declaredArgumentTypes ? kernel.declaredArgumentTypes.slice() : null;
      kernel.setupConstants();
      kernel.setupArguments(args);
      const types = [...(kernel.argumentTypes ?? []), ...Object.values(kernel.constantTypes)];
      const unsupported = types.find((t) => !SUPPORTED.has(t));
      if (unsupported) throw new Error(`webasm program: argument type ${unsupported} is not supported`);
      kernel.validateSettings(args);
      const threadDim = Array.from(kernel.output);
      while (threadDim.length < 3) threadDim.push(1);
      kernel.threadDim = threadDim;
      if (!kernel.translateSource()) throw new Error('webasm program: return type not supported');
      const local = kernel.computeLayout(args);
      this.cells = threadDim[0] * threadDim[1] * threadDim[2];
      this.components = kernel.componentCount;
      this.#sizeX = threadDim[0];

      // [ arguments | scalars | output | copied constants ] in one region of the chunk
      const regions = options.regions ?? {};
      let size = 0;
      const place = (bytes: number) => {
        const at = size;
        size = align16(size + bytes);
        return at;
      };
      const bind = options.bind ?? {};
      const arrays: Layout['arrays'] = {};
      const bound = new Set<ArrayRecord>();
      for (const [name, r] of Object.entries(local.arrays)) {
        const region = bind[name];
        if (region && region.bytes < r.flatLength * 4) {
          throw new Error(
            `webasm program: argument ${name} needs ${r.flatLength * 4} bytes, its bound region has ${region.bytes}`,
          );
        }
        const offset = region ? region.offset : place(r.flatLength * 4);
        arrays[name] = { index: r.index, offset, dims: r.dims, flatLength: r.flatLength };
        if (region) bound.add(arrays[name]);
      }
      const scalars: Layout['scalars'] = {};
      for (const [name, s] of Object.entries(local.scalars)) scalars[name] = { ...s, offset: place(4) };
      const outputAt = place(this.cells * this.components * 4);
      const copied: [string, ArrayRecord][] = [];
      const constantArrays: Layout['constantArrays'] = {};
      for (const [name, r] of Object.entries(local.constantArrays)) {
        const region = regions[name];
        if (region) {
          if (region.bytes < r.flatLength * 4) {
            throw new Error(
              `webasm program: constant ${name} needs ${r.flatLength * 4} bytes, its region has ${region.bytes}`,
            );
          }
          constantArrays[name] = { offset: region.offset, dims: r.dims, flatLength: r.flatLength };
        } else {
          const record = { offset: place(r.flatLength * 4), dims: r.dims, flatLength: r.flatLength };
          constantArrays[name] = record;
          copied.push([name, record]);
        }
      }
      const chunks = new Set([...Object.values(regions), ...Object.values(bind)].map((r) => r.chunk));
      if (options.chunk) chunks.add(options.chunk);
      if (chunks.size > 1) throw new Error('webasm program: constants live in different arena chunks');
      const own = arena.alloc(size, [...chunks][0]);
      this.#region = own;
      const base = own.offset;
      for (const r of Object.values(arrays)) if (!bound.has(r)) r.offset += base;
      for (const s of Object.values(scalars)) s.offset += base;
      for (const [, r] of copied) r.offset += base;
      this.#outputOffset = base + outputAt;
      const chunk = own.chunk;
      const layout: Layout = {
        arrays,
        scalars,
        constantArrays,
        outputOffset: this.#outputOffset,
        totalBytes: chunk.moduleTotalBytes,
      };
      const { bytes } = kernel._assembleModule(layout, this.cells, chunk.shared);
      this.module = new WebAssembly.Module(bytes as BufferSource);
      this.memory = chunk.memory;
      this.math = [...kernel.usedMathImports].sort();
      const env: WebAssembly.ModuleImports = { memory: chunk.memory };
      for (const name of this.math) {
        env[`math_${name}`] = (Math as unknown as Record<string, WebAssembly.ImportValue>)[name];
      }
      const exports = new WebAssembly.Instance(this.module, { env }).exports;
      this.#run = exports.run as never;
      this.#runSimd = (exports.run_simd as never) ?? null;
      this.#f32 = new Float32Array(chunk.buffer);
      this.#i32 = new Int32Array(chunk.buffer);
      for (const [name, record] of copied) {
        const value = kernel.constants?.[name] as { value?: ArrayLike<number> } | ArrayLike<number>;
        const data = (value as { value?: ArrayLike<number> }).value ?? (value as ArrayLike<number>);
        // compact storages (int8, f16 halves) keep their bytes; everything else becomes f32 slots
        if (compactKindOfArray(data)) {
          const View = data.constructor as new (b: ArrayBufferLike, o: number, n: number) => Int8Array;
          new View(chunk.buffer, record.offset, data.length).set(data as Int8Array);
        } else {
          this.#f32.set(data, record.offset / 4);
        }
      }
      this.#inputs = Object.values(arrays)
        .sort((a, b) => (a.index ?? 0) - (b.index ?? 0))
        .map((r) => ({ offset: r.offset / 4, length: r.flatLength, bound: bound.has(r) }));
      this.#scalars = Object.values(scalars).sort((a, b) => a.index - b.index);
      this.threaded = options.threaded && this.#sizeX % 4 === 0 && !!this.#runSimd;
    } finally {
      shortcut.destroy();
    }
  }

  /** The argument regions, in argument order, as views (write inputs here before `call`). */
  input(i: number): Float32Array {
    const r = this.#inputs[i];
    return this.#f32.subarray(r.offset, r.offset + r.length);
  }

  /**
   * Runs the kernel: `inputs` are copied into the argument regions (in order, each at most the region's
   * length; `null` for a bound argument), `scalars` into the scalar slots; the output is left in place
   * (read it with `output`).
   */
  call(
    inputs: readonly (ArrayLike<number> | null)[],
    scalars: readonly number[],
    pool?: ThreadPool,
    cells = this.cells,
  ): void {
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i];
      if (input) this.#f32.set(input, this.#inputs[i].offset);
      else if (!this.#inputs[i].bound) throw new Error(`webasm program: argument ${i} has no data`);
    }
    for (let i = 0; i < this.#scalars.length; i++) {
      const slot = this.#scalars[i];
      const value = scalars[i];
      if (slot.type === 'Integer') this.#i32[slot.offset / 4] = value | 0;
      else if (slot.type === 'Boolean') this.#i32[slot.offset / 4] = value ? 1 : 0;
      else this.#f32[slot.offset / 4] = value;
    }
    if (pool && this.threaded && cells >= MIN_THREADED_CELLS) {
      const simd = this.#runSimd as (start: number, end: number, seed: number) => void;
      pool.run(this, cells, true, (start, end) => simd(start, end, 0));
      return;
    }
    this.#spans(0, cells);
  }

  /** The output region (cells × components values), valid until the next call. */
  output(): Float32Array {
    const at = this.#outputOffset / 4;
    return this.#f32.subarray(at, at + this.cells * this.components);
  }

  /** Where the output lives, for a later program to read in place (`bind`). */
  get outputRegion(): Region {
    return { chunk: this.#region.chunk, offset: this.#outputOffset, bytes: this.cells * this.components * 4 };
  }

  dispose(): void {
    this.#region.chunk.release(this.#region);
  }

  /** gpu.js's dispatch: quads never cross an x-row; rows not a multiple of 4 end with scalar cells. */
  #spans(start: number, end: number): void {
    const sizeX = this.#sizeX;
    const simd = this.#runSimd;
    if (!simd || sizeX % 4 === 0) {
      (simd ?? this.#run)(start, end, 0);
      return;
    }
    const quad = sizeX & ~3;
    for (let row = start / sizeX; row < end / sizeX; row++) {
      const at = row * sizeX;
      if (quad > 0) simd(at, at + quad, 0);
      this.#run(at + quad, at + sizeX, 0);
    }
  }
}
