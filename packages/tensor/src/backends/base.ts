// The parts every backend shares: tensor and weight creation, scopes, memory accounting, KV caches, dispose.
// A backend is this class over an Engine (reference oracle or GPU.js mode).

import type { DeviceBuffer, Engine, KernelSpec } from '../backend.js';
import { halfToFloat, quantizeInt8, toHalfArray } from '../dtype.js';
import { TensorError } from '../errors.js';
import { KVCacheImpl } from '../kv-cache.js';
import { linear } from '../ops/linear.js';
import { ScopeStack } from '../scope.js';
import { colsOf, formatShape, rowsOf, sizeOf, TensorImpl, WeightImpl } from '../tensor.js';
import type {
  Backend,
  BackendName,
  BackendReport,
  KVCache,
  KVCacheOptions,
  Tensor,
  Weight,
  WeightDType,
  WeightOptions,
} from '../types.js';

export class BaseBackend implements Backend {
  readonly #tensors = new Set<TensorImpl>();
  readonly #weights = new Set<WeightImpl>();
  readonly #caches = new Set<KVCacheImpl>();
  readonly #scopes = new ScopeStack();
  #disposed = false;

  constructor(
    readonly engine: Engine,
    readonly name: BackendName,
    private readonly activeReport: BackendReport,
  ) {}

  report(): BackendReport {
    return { ...this.activeReport, skipped: this.activeReport.skipped.map((s) => ({ ...s })) };
  }

  assertLive(what: string): void {
    if (this.#disposed) {
      throw new TensorError(
        'disposed',
        `${what}: the ${this.name} backend was disposed; create a new one with createBackend()`,
      );
    }
  }

  tensor(data: Float32Array, shape: readonly number[]): Tensor {
    this.assertLive('tensor');
    validateShape('tensor', shape);
    if (!(data instanceof Float32Array) || data.length !== sizeOf(shape)) {
      throw new TensorError(
        'shape_mismatch',
        `tensor: data has ${data?.length} elements but shape ${formatShape(shape)} needs ${sizeOf(shape)}; pass a Float32Array of exactly that length`,
      );
    }
    return new TensorImpl(this, shape, this.engine.upload(data, rowsOf(shape), colsOf(shape)));
  }

  weight(data: Float32Array, shape: readonly [number, number], options: WeightOptions = {}): Weight {
    this.assertLive('weight');
    const w = weightArgs('weight', shape, options);
    if (!(data instanceof Float32Array) || data.length !== w.rows * w.cols) {
      throw new TensorError(
        'shape_mismatch',
        `weight: data has ${data?.length} elements but shape ${formatShape(shape)} needs ${w.rows * w.cols}`,
      );
    }
    const { rows, cols, layout, dtype, inFeatures, outFeatures } = w;
    // int8: integers + one scale per output feature; f16: half bit patterns. Engines that store them compactly
    // take them as they are; every other engine gets the f32 values they stand for.
    let stored: Float32Array | Int8Array | Uint16Array = data;
    let scaleValues: Float32Array | undefined;
    if (dtype === 'int8') {
      const quant = quantizeInt8(data, rows, cols, layout === 'in_out' ? 1 : 0);
      stored = quant.q;
      scaleValues = quant.scales;
    } else if (dtype === 'f16') {
      stored = toHalfArray(data);
    }
    const packed = this.engine.packWeight?.(stored, layout, inFeatures, outFeatures, scaleValues);
    if (packed) return this.#packedWeight(w, packed);
    const scales = scaleValues ? this.engine.upload(scaleValues, 1, scaleValues.length) : undefined;
    const values =
      stored instanceof Int8Array
        ? new Float32Array(stored)
        : stored instanceof Uint16Array
          ? halfToFloat(stored)
          : stored;
    const buffer = this.engine.upload(values, rows, cols);
    const bytes = buffer.bytes + (scales?.bytes ?? 0);
    return new WeightImpl(this, inFeatures, outFeatures, layout, dtype, buffer, scales, false, bytes);
  }

  async weightFromRows(
    shape: readonly [number, number],
    read: (start: number, count: number) => Float32Array | Promise<Float32Array>,
    options: WeightOptions & { rowsPerRead?: number } = {},
  ): Promise<Weight> {
    this.assertLive('weightFromRows');
    const w = weightArgs('weightFromRows', shape, options);
    const rowsPerRead = options.rowsPerRead ?? 1024;
    if (!Number.isInteger(rowsPerRead) || rowsPerRead < 1) {
      throw new TensorError(
        'invalid_option',
        `weightFromRows: rowsPerRead must be a positive integer, got ${String(options.rowsPerRead)}`,
      );
    }
    const checked = async (start: number, count: number) => {
      const block = await read(start, count);
      if (!(block instanceof Float32Array) || block.length !== count * w.cols) {
        throw new TensorError(
          'shape_mismatch',
          `weightFromRows: rows ${start}…${start + count - 1} came as ${block?.length} values, expected ${count}·${w.cols} = ${count * w.cols} (a Float32Array)`,
        );
      }
      return block;
    };
    const engine = this.engine;
    if (engine.packWeightRows) {
      const packed = await engine.packWeightRows(
        w.layout,
        w.inFeatures,
        w.outFeatures,
        w.dtype,
        checked,
        rowsPerRead,
      );
      this.assertLive('weightFromRows');
      return this.#packedWeight(w, packed);
    }
    const data = new Float32Array(w.rows * w.cols);
    for (let start = 0; start < w.rows; start += rowsPerRead) {
      const count = Math.min(rowsPerRead, w.rows - start);
      data.set(await checked(start, count), start * w.cols);
    }
    return this.weight(data, shape, options);
  }

  /** A weight over an engine's packed buffers; its decode kernel is built now, at load, not at first use. */
  #packedWeight(w: WeightArgs, packed: { data: DeviceBuffer; scales?: DeviceBuffer }): Weight {
    const bytes = packed.data.bytes + (packed.scales?.bytes ?? 0);
    const weight = new WeightImpl(
      this,
      w.inFeatures,
      w.outFeatures,
      w.layout,
      w.dtype,
      packed.data,
      packed.scales,
      true,
      bytes,
    );
    const x = this.tensor(new Float32Array(w.inFeatures), [1, w.inFeatures]);
    linear(x, weight).dispose();
    x.dispose();
    return weight;
  }

  createKVCache(options: KVCacheOptions): KVCache {
    this.assertLive('createKVCache');
    const cache = new KVCacheImpl(this, options);
    this.#caches.add(cache);
    return cache;
  }

  scope<T>(fn: () => Promise<T> | T): Promise<T> {
    this.assertLive('scope');
    return this.#scopes.run(fn);
  }

  memory(): { tensors: number; bytes: number } {
    let bytes = 0;
    let count = 0;
    for (const t of this.#tensors) {
      bytes += t.buffer.bytes;
      count++;
    }
    for (const w of this.#weights) {
      bytes += w.bytes;
      count++;
    }
    for (const c of this.#caches) {
      bytes += c.bytes;
      count++;
    }
    return { tensors: count, bytes };
  }

  dispose(): void {
    if (this.#disposed) return;
    this.engine.discard?.();
    for (const t of [...this.#tensors]) t.dispose();
    for (const w of [...this.#weights]) w.dispose();
    for (const c of [...this.#caches]) c.dispose();
    this.#disposed = true;
    this.engine.dispose();
  }

  /** Runs `spec` and wraps the [rows, cols] result as a tensor of `shape`. */
  run<P>(
    spec: KernelSpec<P>,
    params: P,
    inputs: readonly DeviceBuffer[],
    scalars: readonly number[],
    shape: readonly number[],
    constants: readonly DeviceBuffer[] = [],
  ): TensorImpl {
    this.assertLive(spec.name);
    const buffer = this.engine.run(spec, params, inputs, scalars, rowsOf(shape), colsOf(shape), constants);
    return new TensorImpl(this, shape, buffer);
  }

  /** A tensor of `shape` over a buffer an engine returned. */
  wrap(shape: readonly number[], buffer: DeviceBuffer): TensorImpl {
    return new TensorImpl(this, shape, buffer);
  }

  track(tensor: TensorImpl): void {
    this.#tensors.add(tensor);
    this.#scopes.add(tensor);
  }

  untrack(tensor: TensorImpl): void {
    if (this.#tensors.delete(tensor)) this.engine.free(tensor.buffer);
  }

  trackWeight(weight: WeightImpl): void {
    this.#weights.add(weight);
  }

  untrackWeight(weight: WeightImpl): void {
    if (!this.#weights.delete(weight)) return;
    this.engine.free(weight.data);
    if (weight.scales) this.engine.free(weight.scales);
  }

  untrackCache(cache: KVCacheImpl): void {
    this.#caches.delete(cache);
  }
}

interface WeightArgs {
  rows: number;
  cols: number;
  layout: 'in_out' | 'out_in';
  dtype: WeightDType;
  inFeatures: number;
  outFeatures: number;
}

/** Checks a weight's shape and options once, naming the allowed values. */
function weightArgs(what: string, shape: readonly [number, number], options: WeightOptions): WeightArgs {
  const layout = options.layout ?? 'in_out';
  const dtype = options.dtype ?? 'f32';
  if (layout !== 'in_out' && layout !== 'out_in') {
    throw new TensorError(
      'invalid_option',
      `${what}: layout must be 'in_out' or 'out_in', got ${String(layout)}`,
    );
  }
  if (dtype !== 'f32' && dtype !== 'f16' && dtype !== 'int8') {
    throw new TensorError(
      'invalid_option',
      `${what}: dtype must be 'f32', 'f16' or 'int8', got ${String(dtype)}`,
    );
  }
  validateShape(what, shape);
  if (shape.length !== 2) {
    throw new TensorError('shape_mismatch', `${what}: shape must be [rows, cols], got ${formatShape(shape)}`);
  }
  const [rows, cols] = shape;
  return {
    rows,
    cols,
    layout,
    dtype,
    inFeatures: layout === 'in_out' ? rows : cols,
    outFeatures: layout === 'in_out' ? cols : rows,
  };
}

function validateShape(what: string, shape: readonly number[]): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new TensorError(
      'shape_mismatch',
      `${what}: shape must be an array of positive integers, got ${JSON.stringify(shape)}`,
    );
  }
}
