// Shared pieces of the compact-storage tests: seeded int8 / half weights in the repacked matvec layout,
// the matvec kernels in the form the tensor package uses, a plain-JS reference, and stock-vs-extended
// runners that also work for asyncMode kernels and pipelines.
import * as gpujs from 'gpu.js';
import { fromHalfBits, toHalfBits } from '../../src/dtype.js';

/** x: [K]; W[k][n] (Conv1D layout) repacked as [N/4][K][4]: packed[(j·K + k)·4 + lane] = W[k][4j + lane]. */
export function repack<T extends Int8Array | Uint16Array | Float32Array>(
  w: ArrayLike<number>,
  k: number,
  n: number,
  out: T,
): T {
  for (let c = 0; c < n; c++) {
    for (let kk = 0; kk < k; kk++) out[((c >> 2) * k + kk) * 4 + (c & 3)] = w[kk * n + c];
  }
  return out;
}

/** Deterministic int8 values in [-127, 127] (a small LCG). */
export function seededInt8(length: number, seed: number): Int8Array {
  let state = seed >>> 0 || 1;
  const out = new Int8Array(length);
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = (state % 255) - 127;
  }
  return out;
}

/** Half bit patterns of deterministic values in about [-2, 2], with a few subnormals and ±0 mixed in. */
export function seededHalfBits(length: number, seed: number): Uint16Array {
  let state = seed >>> 0 || 1;
  const out = new Uint16Array(length);
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const value = (state / 2 ** 31 - 1) * 2;
    out[i] = i % 17 === 5 ? state & 0x83ff : i % 29 === 3 ? state & 0x8000 : toHalfBits(value);
  }
  return out;
}

/** The values each half bit pattern stands for, through dtype.ts's independent decoder. */
export function halfValues(bits: Uint16Array): Float32Array {
  return Float32Array.from(bits, (h) => fromHalfBits(h));
}

const f = Math.fround;

/**
 * Reference of the repacked matvec: cell (lane, j) = Σ_k x[k]·packed[(j·K + k)·4 + lane] in f32, k in
 * order, then × scales[4j + lane] when given, row-major over [N/4][4].
 */
export function matvecReference(
  x: Float32Array,
  packed: ArrayLike<number>,
  k: number,
  n: number,
  scales?: Float32Array,
): Float32Array {
  const out = new Float32Array(n);
  for (let j = 0; j < n / 4; j++) {
    for (let lane = 0; lane < 4; lane++) {
      let sum = 0;
      for (let kk = 0; kk < k; kk++) sum = f(sum + f(x[kk] * packed[(j * k + kk) * 4 + lane]));
      out[j * 4 + lane] = scales ? f(sum * scales[j * 4 + lane]) : sum;
    }
  }
  return out;
}

type MatvecThis = gpujs.IKernelFunctionThis<{ K: number; w: number[][][]; scales: number[][] }>;

/** The weight as a resident constant: `w[this.thread.y][k][this.thread.x]`, optional per-column scales. */
export function constantMatvec(
  gpu: gpujs.GPU,
  weight: ArrayLike<number>,
  k: number,
  n: number,
  options: { scales?: Float32Array; asyncMode?: boolean } = {},
): gpujs.IKernelRunShortcut {
  const constants: Record<string, unknown> = {
    K: k,
    w: input(weight, [4, k, n / 4]),
  };
  if (options.scales) constants.scales = scalesInput(options.scales);
  const source = options.scales
    ? function (this: MatvecThis, v: number[]) {
        let sum = 0;
        for (let kk = 0; kk < this.constants.K; kk++)
          sum += v[kk] * this.constants.w[this.thread.y][kk][this.thread.x];
        return sum * this.constants.scales[this.thread.y][this.thread.x];
      }
    : function (this: MatvecThis, v: number[]) {
        let sum = 0;
        for (let kk = 0; kk < this.constants.K; kk++)
          sum += v[kk] * this.constants.w[this.thread.y][kk][this.thread.x];
        return sum;
      };
  return gpu.createKernel(source, {
    output: [4, n / 4],
    constants,
    asyncMode: options.asyncMode ?? false,
  } as gpujs.IGPUKernelSettings);
}

/** A gpu.js Input over any typed array (gpu.js's typings only admit number[] and its own dims types). */
export function input(values: ArrayLike<number>, dims: number[]): gpujs.Input {
  return new gpujs.Input(values as unknown as number[], dims as unknown as gpujs.OutputDimensions);
}

/** Per-column scales [N] as the [4, N/4] Input the repacked kernels index as `scales[this.thread.y][this.thread.x]`. */
export function scalesInput(scales: Float32Array): gpujs.Input {
  return input(scales, [4, scales.length / 4]);
}

/** The weight and scales ({@link scalesInput}) as arguments (copied into wasm memory on every call). */
export function argumentMatvec(
  gpu: gpujs.GPU,
  k: number,
  n: number,
  asyncMode = false,
): gpujs.IKernelRunShortcut {
  return gpu.createKernel(
    function (this: MatvecThis, v: number[], w: number[][][], scales: number[][]) {
      let sum = 0;
      for (let kk = 0; kk < this.constants.K; kk++) sum += v[kk] * w[this.thread.y][kk][this.thread.x];
      return sum * scales[this.thread.y][this.thread.x];
    },
    { output: [4, n / 4], constants: { K: k }, asyncMode } as gpujs.IGPUKernelSettings,
  );
}

/** The kernel object behind a run shortcut (gpu.js internals, read by tests only). */
export interface KernelProbe {
  _lastRunPath: string | null;
  _active: {
    memory: WebAssembly.Memory;
    layout: {
      arrays: Record<string, { flatLength: number; offset: number }>;
      constantArrays: Record<string, { flatLength: number; offset: number }>;
    };
  };
  _moduleCache: Map<string, { bytes: Uint8Array }>;
}

export function probe(shortcut: gpujs.IKernelRunShortcut): KernelProbe {
  return (shortcut as unknown as { kernel: KernelProbe }).kernel;
}

/**
 * Flat row-major Float32Array of a gpu.js result (a Float32Array or rows of them, nested), awaiting
 * promises. Rows are copied as Float32Arrays, so NaN payloads keep their exact bits.
 */
export async function resultOf(value: unknown): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  const walk = (v: unknown): void => {
    if (v instanceof Float32Array) parts.push(v);
    else if (Array.isArray(v)) for (const item of v) walk(item);
    else throw new Error(`unexpected kernel result element ${String(v)}`);
  };
  walk(await value);
  const out = new Float32Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
