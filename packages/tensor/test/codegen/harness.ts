// Test harness: builds one kernel twice, on stock gpu.js and with the code-generation extension
// installed, runs both on the same inputs, and hands back flat outputs plus the compiled modules.
import * as gpujs from 'gpu.js';
import { installWebasmCodegen, uninstallWebasmCodegen } from '../../src/codegen/index.js';

/** gpu.js's kernel object behind the run shortcut (internals read by tests only). */
export interface KernelInternals {
  _lastRunPath: string | null;
  _moduleCache: Map<string, { bytes: Uint8Array }>;
}

export type KernelFactory = (gpu: gpujs.GPU) => gpujs.IKernelRunShortcut;

export interface PairRun {
  stock: Float32Array;
  extended: Float32Array;
  stockBytes: Uint8Array;
  extendedBytes: Uint8Array;
  /** dispatch path of the extended run ('simd', 'simd+scalar-tail', 'scalar') */
  path: string | null;
}

/** Flattens gpu.js's nested Float32Array / number[] results, row-major. */
export function flatten(value: unknown): Float32Array {
  const out: number[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'number') out.push(v);
    else if (ArrayBuffer.isView(v)) out.push(...(v as Float32Array));
    else if (Array.isArray(v)) for (const item of v) walk(item);
    else throw new Error(`unexpected kernel result element ${String(v)}`);
  };
  walk(value);
  return Float32Array.from(out);
}

function compiledBytes(shortcut: gpujs.IKernelRunShortcut): Uint8Array {
  const kernel = (shortcut as unknown as { kernel: KernelInternals }).kernel;
  const entries = [...kernel._moduleCache.values()];
  if (entries.length !== 1) throw new Error(`expected one compiled module, found ${entries.length}`);
  return entries[0].bytes;
}

/** Runs `factory`'s kernel on stock gpu.js, then with the extension, on the same arguments. */
export function runPair(factory: KernelFactory, args: unknown[]): PairRun {
  uninstallWebasmCodegen(gpujs);
  const stockGpu = new gpujs.GPU({ mode: 'webasm' });
  const stockKernel = factory(stockGpu);
  const stock = flatten(stockKernel(...(args as [])));
  const status = installWebasmCodegen(gpujs);
  if (!status.installed) throw new Error(`extension not installed: ${status.reason}`);
  const extendedGpu = new gpujs.GPU({ mode: 'webasm' });
  const extendedKernel = factory(extendedGpu);
  const extended = flatten(extendedKernel(...(args as [])));
  const path = (extendedKernel as unknown as { kernel: KernelInternals }).kernel._lastRunPath;
  const run: PairRun = {
    stock,
    extended,
    stockBytes: compiledBytes(stockKernel),
    extendedBytes: compiledBytes(extendedKernel),
    path,
  };
  stockGpu.destroy();
  extendedGpu.destroy();
  return run;
}

/** Deterministic values in [-1, 1) (a small LCG), so failures reproduce. */
export function seeded(length: number, seed: number): Float32Array {
  let state = seed >>> 0 || 1;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

/** Splits a flat row-major array into nested Float32Array rows: dims [x, y] → y rows of x. */
export function rows2d(flat: Float32Array, x: number, y: number): Float32Array[] {
  return Array.from({ length: y }, (_, j) => flat.slice(j * x, (j + 1) * x));
}

/** Bitwise equality of two Float32Arrays (NaN payloads and signed zeros included). */
export function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}

/** Largest |a − b| / max(1, |b|) over the arrays. */
export function maxRelativeError(a: Float32Array, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  }
  return worst;
}
