// Tensor and Weight handles: a shape (or matrix metadata) over engine-owned DeviceBuffers, freed explicitly.

import type { DeviceBuffer } from './backend.js';
import type { BaseBackend } from './backends/base.js';
import { TensorError } from './errors.js';
import type { Backend, Tensor, Weight, WeightDType } from './types.js';

/** Rows of the 2-D view every kernel sees: the product of all but the last dimension. */
export function rowsOf(shape: readonly number[]): number {
  let rows = 1;
  for (let i = 0; i < shape.length - 1; i++) rows *= shape[i];
  return rows;
}

/** Columns of the 2-D view: the last dimension (1 for a scalar). */
export function colsOf(shape: readonly number[]): number {
  return shape.length === 0 ? 1 : shape[shape.length - 1];
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export class TensorImpl implements Tensor {
  readonly shape: readonly number[];
  #disposed = false;

  constructor(
    readonly owner: BaseBackend,
    shape: readonly number[],
    readonly buffer: DeviceBuffer,
  ) {
    this.shape = Object.freeze([...shape]);
    owner.track(this);
  }

  get backend(): Backend {
    return this.owner;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  get rows(): number {
    return rowsOf(this.shape);
  }

  get cols(): number {
    return colsOf(this.shape);
  }

  /** Throws a TensorError naming `what` when this tensor was disposed. */
  assertLive(what: string): void {
    if (this.#disposed) {
      throw new TensorError(
        'disposed',
        `${what}: tensor of shape ${formatShape(this.shape)} was already disposed; keep it out of the scope that frees it or read it before disposing`,
      );
    }
  }

  async toArray(into?: Float32Array): Promise<Float32Array> {
    this.assertLive('toArray');
    const n = sizeOf(this.shape);
    if (into) {
      if (into.length < n) {
        throw new TensorError(
          'shape_mismatch',
          `toArray(into): the tensor of shape ${formatShape(this.shape)} has ${n} values, into holds ${into.length}; pass a Float32Array of at least ${n}`,
        );
      }
      // an engine keeping its buffers on the host is read in place; the others' copy is copied once more
      const view = this.owner.engine.hostView(this.buffer) ?? (await this.owner.engine.read(this.buffer));
      into.set(view.length === n ? view : view.subarray(0, n));
      return into.length === n ? into : into.subarray(0, n);
    }
    const data = await this.owner.engine.read(this.buffer);
    return data.length === n ? data : data.slice(0, n);
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.owner.untrack(this);
  }
}

export class WeightImpl implements Weight {
  #disposed = false;

  constructor(
    readonly owner: BaseBackend,
    readonly inFeatures: number,
    readonly outFeatures: number,
    readonly layout: 'in_out' | 'out_in',
    readonly dtype: WeightDType,
    /** The stored matrix as the kernels read it ([K, N] for in_out, [N, K] for out_in). */
    readonly data: DeviceBuffer,
    /** int8 only: [1, N] per-output-feature scales. */
    readonly scales: DeviceBuffer | undefined,
    /** `data` is laid out [⌈N/4⌉][K][4] for the packed kernels (webasm) instead of as given. */
    readonly packed: boolean,
    readonly bytes: number,
  ) {
    owner.trackWeight(this);
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  assertLive(what: string): void {
    if (this.#disposed) {
      throw new TensorError(
        'disposed',
        `${what}: weight [${this.inFeatures}→${this.outFeatures}] was already disposed; dispose weights only with their model`,
      );
    }
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.owner.untrackWeight(this);
  }
}
