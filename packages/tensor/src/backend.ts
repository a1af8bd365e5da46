// The seam between ops and backends: a kernel is data (KernelSpec: a GPU.js source template plus a plain-TS
// reference), and an Engine stores 2-D f32 buffers and runs specs over them. Ops never see GPU.js.

import { TensorError } from './errors.js';
import type { BackendName, KVCacheDType, WeightDType } from './types.js';

/** Shapes the kernel source is specialised for: every buffer is a 2-D [rows, cols] matrix. */
export interface KernelDims {
  readonly inputs: readonly { readonly rows: number; readonly cols: number }[];
  readonly out: { readonly rows: number; readonly cols: number };
}

/**
 * The dims of a call of kernel `kernel` over `inputs` with a [rows, cols] output; an input freed before the
 * call is a typed error naming the kernel (every engine checks this the same way).
 */
export function kernelDims(
  kernel: string,
  inputs: readonly { readonly rows: number; readonly cols: number; readonly freed: boolean }[],
  rows: number,
  cols: number,
): KernelDims {
  for (const b of inputs) {
    if (b.freed)
      throw new TensorError('disposed', `${kernel}: an input buffer was freed before the kernel ran`);
  }
  return { inputs: inputs.map((b) => ({ rows: b.rows, cols: b.cols })), out: { rows, cols } };
}

/**
 * How a GPU.js kernel source reads its inputs and finds its thread. Engines choose the physical layout:
 * [cols, rows] outputs on cpu/webasm/webgpu, [cols, 1, rows] on the GL modes so that wide rows (50257 logits)
 * land in square textures within maxTextureSize.
 */
export interface SourceContext {
  /** Expression for element (row, col) of the input matrix `name`. */
  at(name: string, row: string, col: string): string;
  /** Expression for this thread's output row. */
  readonly row: string;
  /** Expression for this thread's output column. */
  readonly col: string;
  readonly mode: BackendName;
}

/** Arguments of a reference implementation: row-major host copies of the inputs and the output to fill. */
export interface ReferenceArgs {
  readonly inputs: readonly Float32Array[];
  readonly scalars: readonly number[];
  readonly dims: KernelDims;
  readonly out: Float32Array;
}

/** A kernel as data: GPU.js source template + oracle. Compiled kernels are cached by name, key and dims. */
export interface KernelSpec<P> {
  readonly name: string;
  /** Names of the matrix arguments, in order. */
  inputNames(params: P): readonly string[];
  /** Names of the scalar arguments that follow the matrices (runtime values, no recompilation). */
  readonly scalarNames: readonly string[];
  /** What besides the dims changes the source. */
  key(params: P): string;
  /** Body of the GPU.js kernel function (dims are baked in as literals). */
  body(ctx: SourceContext, params: P, dims: KernelDims): string;
  /** Upper bound of any loop whose bound is a runtime scalar (GL needs it). */
  loopMax?(params: P, dims: KernelDims): number;
  /** Plain TypeScript implementation: the oracle and the reference backend's code. */
  reference(args: ReferenceArgs, params: P): void;
  /**
   * Names of matrix arguments bound as GPU.js kernel constants (after the regular inputs in `reference`):
   * uploaded once per compiled kernel and resident there, instead of copied on every call (webasm).
   */
  constantNames?(params: P): readonly string[];
  /**
   * The kernel computes ONE row: the engine calls it per row of input 0 (a [1, K] slice) with this GPU.js
   * output, whose first `dims.out.cols` values form the row. Keeps one compiled module per weight whatever R.
   */
  rowwise?(params: P, dims: KernelDims): number[];
  /** A pure data movement (gather) that host-memory engines may run as its reference loop. */
  readonly hostCopy?: boolean;
}

/** A [rows, cols] f32 buffer owned by an engine; its storage may still be in flight (async backends). */
let nextBufferId = 1;

export class DeviceBuffer {
  readonly id = nextBufferId++;
  /** GPU.js dims to present this buffer with, when not the engine's [rows, cols] default (packed weights). */
  gpuDims: number[] | undefined;
  storage: unknown;
  pending: Promise<unknown> | undefined;
  freed = false;
  /** Kernel runs that captured this buffer and have not finished (async engines defer freeing until 0). */
  users = 0;
  /** free() was asked while the buffer was in use or in flight. */
  freeRequested = false;

  constructor(
    readonly rows: number,
    readonly cols: number,
    storage: unknown,
  ) {
    if (storage instanceof Promise) {
      this.pending = storage.then((value) => {
        this.storage = value;
        this.pending = undefined;
        return value;
      });
      // a failed kernel surfaces at the read that needs it; do not crash the process as unhandled here
      this.pending.catch(() => undefined);
    } else {
      this.storage = storage;
    }
  }

  /** Bytes per stored element: 4 (f32), 2 (f16 halves) or 1 (int8) for compactly stored weights. */
  elementBytes = 4;

  get bytes(): number {
    return this.rows * this.cols * this.elementBytes;
  }

  /** The storage once it exists. */
  async resolve(): Promise<unknown> {
    return this.pending ?? this.storage;
  }
}

/** Shape of a KV cache: layers, heads, head width, positions, batch rows. */
export interface KVShape {
  readonly nLayer: number;
  readonly nHead: number;
  readonly headDim: number;
  readonly maxLength: number;
  readonly batch: number;
  /** the storage asked for; the engine may keep f32 (`KVStorage.dtype`) */
  readonly dtype: KVCacheDType;
}

/**
 * A KV cache the engine keeps itself, with its own attention over it (webasm: in the arena, read in place
 * by its attention kernels). C = nHead·headDim.
 */
export interface KVStorage {
  readonly bytes: number;
  /** how keys and values are stored */
  readonly dtype: KVCacheDType;
  /** Writes the K and V thirds of `qkv` ([B·T, 3C]) at positions L0 … L0+T−1 of `layer`. */
  append(layer: number, qkv: DeviceBuffer, T: number, L0: number): void;
  /**
   * Causal attention of the T query rows of `qkv` over positions ≤ L0 + t of `layer`: [B·T, C], heads
   * concatenated; with `returnProbs`, the probabilities [B, nH, T, L0 + T] as a host array.
   */
  attention(
    layer: number,
    qkv: DeviceBuffer,
    args: { T: number; L0: number; scale: number; mask?: Float32Array; returnProbs: boolean },
  ): { output: DeviceBuffer; probs?: Float32Array };
  /** Beam search: new batch row b takes old row rows[b]. */
  reorder(rows: readonly number[]): void;
  /** Writes row rows[b] of this storage into row b of `target` (a storage of this engine, rows.length rows). */
  copyRowsInto(target: KVStorage, rows: readonly number[]): void;
  dispose(): void;
}

/** What a backend implementation provides; everything else (scopes, weights, caches) is shared. */
export interface Engine {
  readonly name: BackendName | 'reference';
  upload(data: Float32Array, rows: number, cols: number): DeviceBuffer;
  read(buffer: DeviceBuffer): Promise<Float32Array>;
  free(buffer: DeviceBuffer): void;
  run<P>(
    spec: KernelSpec<P>,
    params: P,
    inputs: readonly DeviceBuffer[],
    scalars: readonly number[],
    rows: number,
    cols: number,
    constants?: readonly DeviceBuffer[],
  ): DeviceBuffer;
  /**
   * A copy of a weight laid out for this engine's fast kernels, or undefined to keep the plain layout.
   * `values` is [K, N] for in_out or [N, K] for out_in: f32 values, int8 integers (Int8Array, with `scales`,
   * one per output feature) or IEEE half bit patterns (Uint16Array); the engine stores them compactly when
   * it can, else as f32. It may move the returned buffers into a kernel's memory at their first kernel run.
   */
  packWeight?(
    values: Float32Array | Int8Array | Uint16Array,
    layout: 'in_out' | 'out_in',
    K: number,
    N: number,
    scales?: Float32Array,
  ): { data: DeviceBuffer; scales?: DeviceBuffer } | undefined;
  /**
   * `packWeight` from row blocks of the source matrix ([K, N] rows k for in_out, [N, K] rows n for out_in),
   * read `rowsPerRead` at a time (a second pass for int8 in_out, whose scales span every row), converted
   * and packed as they arrive: peak memory is the stored weight plus one block.
   */
  packWeightRows?(
    layout: 'in_out' | 'out_in',
    K: number,
    N: number,
    dtype: WeightDType,
    read: (start: number, count: number) => Promise<Float32Array>,
    rowsPerRead: number,
  ): Promise<{ data: DeviceBuffer; scales?: DeviceBuffer }>;
  /**
   * y = x·W (+ bias) (→ gelu_new) for a weight from `packWeight`, when the engine has its own kernels for
   * packed weights (webasm): x [R, K] → [R, N].
   */
  linearPacked?(
    x: DeviceBuffer,
    w: DeviceBuffer,
    bias: DeviceBuffer | undefined,
    gelu: boolean,
  ): DeviceBuffer;
  /** Rows ids[r] of a packed out_in weight (dequantised) + wpe[positions[r]], for `linearPacked` engines: [R, K]. */
  gatherPacked?(w: DeviceBuffer, wpe: DeviceBuffer, ids: Int32Array, positions: Int32Array): DeviceBuffer;
  /** A KV cache with the engine's own attention (`mask` of `attention`: [B, maxLength], 1 attend / 0 not). */
  createKVStorage?(shape: KVShape): KVStorage;
  /** A shared, read-only [rows, cols] buffer of zeros (never free it). */
  zeros(rows: number, cols: number): DeviceBuffer;
  /** The host array behind a buffer when the engine keeps buffers in host memory (cpu, webasm, reference). */
  hostView(buffer: DeviceBuffer): Float32Array | undefined;
  /**
   * The backend is being disposed: what is freed from now on is never reused, so the engine may skip
   * scrubbing it (webasm: its arena is not zeroed). Called before the backend frees its tensors and weights.
   */
  discard?(): void;
  dispose(): void;
}
