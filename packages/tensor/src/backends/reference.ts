// The reference engine: plain TypeScript loops over host Float32Arrays, one per KernelSpec.reference. It is the
// oracle every GPU.js backend is tested against and shares no code with GPU.js (not even its cpu mode).

import type { DeviceBuffer as Buffer, Engine, KernelSpec } from '../backend.js';
import { DeviceBuffer, kernelDims } from '../backend.js';
import { TensorError } from '../errors.js';
import type { Backend } from '../types.js';
import { BaseBackend } from './base.js';

export class ReferenceEngine implements Engine {
  readonly name = 'reference' as const;

  upload(data: Float32Array, rows: number, cols: number): Buffer {
    return new DeviceBuffer(rows, cols, data.slice());
  }

  async read(buffer: Buffer): Promise<Float32Array> {
    return this.#data(buffer).slice();
  }

  free(buffer: Buffer): void {
    buffer.freed = true;
    buffer.storage = undefined;
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
    const out = new Float32Array(rows * cols);
    const all = [...inputs, ...constants];
    spec.reference(
      {
        inputs: all.map((b) => this.#data(b)),
        scalars,
        dims: kernelDims(spec.name, all, rows, cols),
        out,
      },
      params,
    );
    return new DeviceBuffer(rows, cols, out);
  }

  zeros(rows: number, cols: number): Buffer {
    return new DeviceBuffer(rows, cols, new Float32Array(rows * cols));
  }

  hostView(buffer: Buffer): Float32Array | undefined {
    return this.#data(buffer);
  }

  dispose(): void {}

  #data(buffer: Buffer): Float32Array {
    if (buffer.freed || !(buffer.storage instanceof Float32Array)) {
      throw new TensorError('disposed', 'reference backend: a buffer was used after it was freed');
    }
    return buffer.storage;
  }
}

/**
 * A Backend running every op as plain TypeScript loops (no GPU.js): the oracle of the conformance suite.
 * Its `name` reports 'cpu' for typing, but `report().reason` says it is the reference implementation.
 */
export function createReferenceBackend(): Backend {
  return new BaseBackend(new ReferenceEngine(), 'cpu', {
    name: 'cpu',
    reason: 'reference implementation: plain TypeScript loops, no GPU.js (testing oracle)',
    skipped: [],
  });
}
