// One GPU.js kernel compiled by gpu.js's own WebAssembly code generation (with this package's codegen
// extension), laid out over an arena chunk instead of a private memory: the steps gpu.js's fused pipeline
// executor takes (prepare the kernel for representative arguments, compute its layout, relocate every
// region, `_assembleModule` against the shared layout), so constants can point at weights that live once in
// the arena and several kernels read them in place.
//
// The result is position-dependent but memory-independent: every offset is baked into the module, and the
// memory is an import. Any chunk of the same size with the same regions at the same offsets can run it
// (program.ts instantiates it per chunk): twelve layers' c_attn weights placed at one offset in twelve
// chunks share one compiled module.

import { compactKindOfArray } from '../codegen/compact-storage.js';
import type { Arena, ArenaChunk, Region } from './arena.js';

const SUPPORTED = new Set(['Array', 'Input', 'Number', 'Float', 'Integer', 'Boolean']);
const align16 = (v: number) => Math.ceil(v / 16) * 16;

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
/** This module's URL (the browser kernel cache needs the code generation in one script: browser-kernel-store.ts). */
export const PROGRAM_CODE_URL = import.meta.url;

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
  /** The program's own region (arguments, scalars, output), reserved by the caller; else allocated. */
  own?: Region;
  /** Split calls over the thread pool. */
  threaded: boolean;
  /** Equal chunks per thread a threaded call is cut into (chunk-plan.ts; default: front-loaded chunks). */
  chunksPerThread?: number;
}

/** A compiled program: its module and where, in any chunk of `pages` pages, it reads and writes. */
export interface ProgramCode {
  readonly module: WebAssembly.Module;
  readonly math: readonly string[];
  readonly pages: number;
  readonly shared: boolean;
  readonly cells: number;
  readonly components: number;
  readonly sizeX: number;
  /** Whether calls may be split over the thread pool (asked for, and rows of whole quads). */
  readonly threaded: boolean;
  /** Chunks per thread of a threaded call (undefined: the pool's default). */
  readonly chunksPerThread?: number;
  /** f32 element offsets of the arguments, in argument order (bound ones are read in place). */
  readonly inputs: readonly { offset: number; length: number; bound: boolean }[];
  readonly scalars: readonly { offset: number; type: string }[];
  readonly outputOffset: number;
  /** Constants that had no region: copied into the program's own region by each instance. */
  readonly copied: readonly { offset: number; data: ArrayLike<number> }[];
}

/** A compiled program and what a cache entry records of it. */
export interface CompiledProgram {
  code: ProgramCode;
  /** The program's own region. */
  own: Region;
  /** Whether `own` was allocated for the program (released with it) rather than given. */
  allocated: boolean;
  /** The module's bytes. */
  wasm: Uint8Array;
  /** Bytes of the own region the program uses. */
  ownBytes: number;
  /** The constants named in `code.copied`, in its order. */
  copiedNames: string[];
}

/** Compiles a kernel for `options`; returns its code and its own region (allocated here unless given). */
export function compileProgram(
  factory: KernelFactory,
  arena: Arena,
  options: ProgramOptions,
): CompiledProgram {
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
    const cells = threadDim[0] * threadDim[1] * threadDim[2];
    const components = kernel.componentCount;

    // [ arguments | scalars | output | copied constants ] in the program's own region
    const regions = options.regions ?? {};
    const bind = options.bind ?? {};
    let size = 0;
    const place = (bytes: number) => {
      const at = size;
      size = align16(size + bytes);
      return at;
    };
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
    const outputAt = place(cells * components * 4);
    const copied: [string, ArrayRecord][] = [];
    const constantArrays: Layout['constantArrays'] = {};
    for (const [name, r] of Object.entries(local.constantArrays)) {
      const region = regions[name];
      if (region && region.bytes < r.flatLength * 4) {
        throw new Error(
          `webasm program: constant ${name} needs ${r.flatLength * 4} bytes, its region has ${region.bytes}`,
        );
      }
      const record = {
        offset: region ? region.offset : place(r.flatLength * 4),
        dims: r.dims,
        flatLength: r.flatLength,
      };
      constantArrays[name] = record;
      if (!region) copied.push([name, record]);
    }
    const chunks = new Set([...Object.values(regions), ...Object.values(bind)].map((r) => r.chunk));
    if (options.own) chunks.add(options.own.chunk);
    if (chunks.size > 1) throw new Error('webasm program: its regions live in different arena chunks');
    if (options.own && options.own.bytes < size) {
      throw new Error(`webasm program: needs a region of ${size} bytes, was given ${options.own.bytes}`);
    }
    const own = options.own ?? arena.alloc(size, [...chunks][0]);
    const base = own.offset;
    for (const r of Object.values(arrays)) if (!bound.has(r)) r.offset += base;
    for (const s of Object.values(scalars)) s.offset += base;
    for (const [, r] of copied) r.offset += base;
    const chunk: ArenaChunk = own.chunk;
    const layout: Layout = {
      arrays,
      scalars,
      constantArrays,
      outputOffset: base + outputAt,
      totalBytes: chunk.moduleTotalBytes,
    };
    const { bytes } = kernel._assembleModule(layout, cells, chunk.shared);
    const code: ProgramCode = {
      module: new WebAssembly.Module(bytes as BufferSource),
      math: [...kernel.usedMathImports].sort(),
      pages: chunk.pages,
      shared: chunk.shared,
      cells,
      components,
      sizeX: threadDim[0],
      threaded: options.threaded && threadDim[0] % 4 === 0,
      ...(options.chunksPerThread === undefined ? {} : { chunksPerThread: options.chunksPerThread }),
      inputs: Object.values(arrays)
        .sort((a, b) => (a.index ?? 0) - (b.index ?? 0))
        .map((r) => ({ offset: r.offset / 4, length: r.flatLength, bound: bound.has(r) })),
      scalars: Object.values(scalars)
        .sort((a, b) => a.index - b.index)
        .map(({ offset, type }) => ({ offset, type })),
      outputOffset: layout.outputOffset,
      copied: copied.map(([name, record]) => {
        const value = kernel.constants?.[name] as { value?: ArrayLike<number> } | ArrayLike<number>;
        return {
          offset: record.offset,
          data: (value as { value?: ArrayLike<number> }).value ?? (value as ArrayLike<number>),
        };
      }),
    };
    return {
      code,
      own,
      allocated: !options.own,
      wasm: bytes,
      ownBytes: size,
      copiedNames: copied.map(([name]) => name),
    };
  } finally {
    shortcut.destroy();
  }
}

/** Writes a program's copied constants into a chunk (compact int8 / f16 keep their bytes). */
export function writeCopiedConstants(code: ProgramCode, buffer: ArrayBufferLike): void {
  for (const { offset, data } of code.copied) {
    if (compactKindOfArray(data)) {
      const View = data.constructor as new (b: ArrayBufferLike, o: number, n: number) => Int8Array;
      new View(buffer, offset, data.length).set(data as Int8Array);
    } else {
      new Float32Array(buffer, offset, data.length).set(data);
    }
  }
}
