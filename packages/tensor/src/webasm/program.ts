// A compiled program (program-code.ts) instantiated over one arena chunk: a call copies the arguments
// into the program's own region, runs `run_simd` / `run` over the cells (split over the thread pool when
// asked), and leaves the output in place for the caller (or a following program) to read.

import type { ArenaChunk, Region } from './arena.js';
import type { ProgramCache } from './program-cache.js';
import {
  compileProgram,
  type KernelFactory,
  type ProgramCode,
  type ProgramOptions,
  writeCopiedConstants,
} from './program-code.js';
import type { ThreadPool } from './thread-pool.js';

export type { KernelFactory, ProgramOptions } from './program-code.js';

/** Below this many cells a call is not worth splitting over threads. */
const MIN_THREADED_CELLS = 64;

let nextProgramId = 1;

type Run = (start: number, end: number, seed: number) => void;

export class WasmProgram {
  readonly id = nextProgramId++;
  readonly code: ProgramCode;
  readonly memory: WebAssembly.Memory;
  readonly threaded: boolean;
  readonly #chunk: ArenaChunk;
  /** The region this program allocated for itself (released on dispose); undefined when it was given one. */
  readonly #owned: Region | undefined;
  readonly #run: Run;
  readonly #runSimd: Run | null;
  readonly #f32: Float32Array;
  readonly #i32: Int32Array;
  readonly #i16: Int16Array;
  /** The calling thread's share of a threaded call (one function for every call). */
  readonly #runChunk = (start: number, end: number): void => {
    (this.#runSimd as Run)(start, end, 0);
  };

  /** Compiles `options` (or reads it back from `cache`) and instantiates it. */
  static compile(
    factory: KernelFactory,
    arena: Parameters<typeof compileProgram>[1],
    options: ProgramOptions,
    cache?: ProgramCache,
  ): WasmProgram {
    const { code, own, allocated } = cache
      ? cache.compile(factory, arena, options)
      : compileProgram(factory, arena, options);
    return new WasmProgram(code, own.chunk, allocated ? own : undefined);
  }

  /**
   * An instance of `code` over `chunk` (a chunk of the code's size holding its regions at the code's
   * offsets); `owned` is released when the program is disposed.
   */
  constructor(code: ProgramCode, chunk: ArenaChunk, owned?: Region) {
    if (chunk.pages !== code.pages || chunk.shared !== code.shared) {
      throw new Error(`webasm program: compiled for a ${code.pages}-page chunk, given one of ${chunk.pages}`);
    }
    this.code = code;
    this.memory = chunk.memory;
    this.#chunk = chunk;
    this.#owned = owned;
    const env: WebAssembly.ModuleImports = { memory: chunk.memory };
    for (const name of code.math) {
      env[`math_${name}`] = (Math as unknown as Record<string, WebAssembly.ImportValue>)[name];
    }
    const exports = new WebAssembly.Instance(code.module, { env }).exports;
    this.#run = exports.run as Run;
    this.#runSimd = (exports.run_simd as Run | undefined) ?? null;
    this.#f32 = new Float32Array(chunk.buffer);
    this.#i32 = new Int32Array(chunk.buffer);
    this.#i16 = new Int16Array(chunk.buffer);
    writeCopiedConstants(code, chunk.buffer);
    this.threaded = code.threaded && !!this.#runSimd;
  }

  get module(): WebAssembly.Module {
    return this.code.module;
  }

  get math(): readonly string[] {
    return this.code.math;
  }

  get cells(): number {
    return this.code.cells;
  }

  get components(): number {
    return this.code.components;
  }

  /**
   * Runs the kernel: `inputs` are copied into the argument regions (in order, each at most the region's
   * length, Int16Arrays verbatim into their compact regions; `null` for a bound argument), `scalars` into the scalar slots; cells [0, cells) run (default
   * all); the output is left in place (read it with `output`).
   */
  call(
    inputs: readonly (ArrayLike<number> | null)[],
    scalars: readonly number[],
    pool?: ThreadPool,
    cells = this.code.cells,
  ): void {
    const { code } = this;
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i];
      // an Int16Array argument has a compact region (2 bytes per element, codegen/compact-storage.ts)
      if (input instanceof Int16Array) this.#i16.set(input, code.inputs[i].offset * 2);
      else if (input) this.#f32.set(input, code.inputs[i].offset);
      else if (!code.inputs[i].bound) throw new Error(`webasm program: argument ${i} has no data`);
    }
    for (let i = 0; i < code.scalars.length; i++) {
      const slot = code.scalars[i];
      const value = scalars[i];
      if (slot.type === 'Integer') this.#i32[slot.offset / 4] = value | 0;
      else if (slot.type === 'Boolean') this.#i32[slot.offset / 4] = value ? 1 : 0;
      else this.#f32[slot.offset / 4] = value;
    }
    if (pool && this.threaded && cells >= MIN_THREADED_CELLS) {
      pool.run(this, cells, true, this.#runChunk, this.code.chunksPerThread);
      return;
    }
    this.#spans(0, cells);
  }

  /** The output region (cells × components values), valid until the next call. */
  output(): Float32Array {
    const at = this.code.outputOffset / 4;
    return this.#f32.subarray(at, at + this.code.cells * this.code.components);
  }

  /** Where the output lives, for a later program to read in place (`bind`). */
  get outputRegion(): Region {
    const { code } = this;
    return { chunk: this.#chunk, offset: code.outputOffset, bytes: code.cells * code.components * 4 };
  }

  dispose(): void {
    if (this.#owned) this.#chunk.release(this.#owned);
  }

  /** gpu.js's dispatch: quads never cross an x-row; rows not a multiple of 4 end with scalar cells. */
  #spans(start: number, end: number): void {
    const sizeX = this.code.sizeX;
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
