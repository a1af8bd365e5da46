// Public types of @gpt2js/tensor: backends, tensors, weights and the KV cache (the binding contract).

/** A GPU.js execution mode this package can run on. */
export type BackendName = 'webgpu' | 'webgl2' | 'webgl' | 'headlessgl' | 'webasm' | 'cpu';

/** How a weight matrix is stored: f32, IEEE half precision, or int8 with one scale per output column. */
export type WeightDType = 'f32' | 'f16' | 'int8';

/** Which backend is active, why, and why each better one was skipped. */
export interface BackendReport {
  name: BackendName;
  reason: string;
  skipped: { name: BackendName; reason: string }[];
}

/** A device-resident f32 tensor. Read it back with `await t.toArray()`; free it with `dispose()` or a scope. */
export interface Tensor {
  readonly shape: readonly number[];
  readonly backend: Backend;
  readonly disposed: boolean;
  /**
   * Reads the values back to the host, row-major: a new array, or written into `into` (at least as long as
   * the tensor) and returned as a view of its first values. A loop that reads a tensor every step can pass
   * the same array each time: on webasm and cpu nothing is allocated (a fresh 200 KB array costs page faults).
   */
  toArray(into?: Float32Array): Promise<Float32Array>;
  dispose(): void;
}

/** A weight matrix, stored once on the device in its chosen dtype and layout. */
export interface Weight {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly layout: 'in_out' | 'out_in';
  readonly dtype: WeightDType;
  /** Bytes of storage this weight takes on the device (values plus int8 scales). */
  readonly bytes: number;
  dispose(): void;
}

/** Per-layer keys and values of past positions, kept on the device. */
export interface KVCache {
  readonly length: number;
  readonly maxLength: number;
  readonly batch: number;
  /** How keys and values are stored: 'f16' only where asked for and the backend keeps halves (webasm). */
  readonly dtype: KVCacheDType;
  /** Called once per forward after every layer appended `steps` positions. */
  advance(steps: number): void;
  /** Beam search: new row i takes old row rows[i] (on the device). */
  reorder(rows: readonly number[]): void;
  /** Forgets every position from `length` on. */
  crop(length: number): void;
  /**
   * A new cache of `rows.length` rows on the same backend, of the same length and dtype, whose row i is a copy
   * of this cache's row `rows[i]` (Hugging Face's `batch_repeat_interleave` / `batch_select_indices`): a prompt
   * computed once for one row serves every beam. This cache is unchanged; dispose both.
   */
  expand(rows: readonly number[]): KVCache;
  dispose(): void;
}

/** Storage of a KV cache's keys and values. */
export type KVCacheDType = 'f32' | 'f16';

/** Options of {@link Backend.createKVCache}. */
export interface KVCacheOptions {
  nLayer: number;
  nHead: number;
  headDim: number;
  maxLength: number;
  /** Batch rows, default 1. */
  batch?: number;
  /**
   * 'f32' (default) or 'f16': webasm then stores keys and values as IEEE halves (half the memory and the
   * bytes each decoding step reads), rounded to nearest when appended; magnitudes below 2^-14 are stored as
   * zero and beyond 65,504 as ±65,536. Other backends keep f32 (`cache.dtype` says which).
   */
  dtype?: KVCacheDType;
}

/** Options of {@link Backend.weight}. */
export interface WeightOptions {
  /** 'in_out' (default): [in=K, out=N] as in HF Conv1D, used as x·W. 'out_in': [out=N, in=K] (wte, nn.Linear), used as x·Wᵀ. */
  layout?: 'in_out' | 'out_in';
  /** Storage, default 'f32'. */
  dtype?: WeightDType;
}

/** One execution backend: creates tensors and weights, runs the ops, tracks memory. */
export interface Backend {
  readonly name: BackendName;
  /** Which backend is active and why the better ones were skipped. */
  report(): BackendReport;
  /** An f32 tensor (activations, biases, LN gamma/beta, wpe). `data` is copied. */
  tensor(data: Float32Array, shape: readonly number[]): Tensor;
  /** A weight matrix, row-major as in the checkpoint; stored in `options.dtype`. */
  weight(data: Float32Array, shape: readonly [number, number], options?: WeightOptions): Weight;
  /**
   * The same weight from blocks of rows (`read(start, count)` returns rows start … start+count−1,
   * row-major), `rowsPerRead` (default 1024) at a time: engines that pack as they read (webasm) never hold
   * the whole f32 matrix, so loading a 154 MB wte costs one block of memory beyond the stored weight. A
   * block is consumed before the next `read` call, so the reader may hand out views of one buffer.
   */
  weightFromRows(
    shape: readonly [number, number],
    read: (start: number, count: number) => Float32Array | Promise<Float32Array>,
    options?: WeightOptions & { rowsPerRead?: number },
  ): Promise<Weight>;
  createKVCache(options: KVCacheOptions): KVCache;
  /** Disposes every Tensor created inside fn except those reachable from its returned value. */
  scope<T>(fn: () => Promise<T> | T): Promise<T>;
  /** Live allocations: tensors, weights and KV caches, and their bytes. */
  memory(): { tensors: number; bytes: number };
  /** Frees all tensors, weights, caches and compiled kernels. */
  dispose(): void;
}
