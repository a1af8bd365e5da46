// A self-contained webasm kernel-speed probe: the GPT-2 768×3072 matrix-vector product in the
// repacked weight layout, timed on the gpu.js this package resolves, with the code-generation
// extension installed the way the webasm backend installs it. It also reports a digest of the
// WebAssembly module gpu.js generated: the pack-and-import test calls it from the workspace and from
// the installed tarball and checks both generated the same module (identical code, no timing).

import { TensorError } from '../errors.js';
import gpujs from '../gpujs-module.js';
import { installWebasmCodegen, type WebasmCodegenStatus } from './install.js';

/** Options of {@link benchmarkWebasmMatvec}. */
export interface WebasmMatvecBenchmarkOptions {
  /** inner dimension K (default 768, range 1–65536) */
  k?: number;
  /** outputs N (default 3072, a multiple of 4, range 4–262144) */
  n?: number;
  /** timed calls (default 40, range 1–10000); warm-up calls are a quarter of that, at least 3 */
  runs?: number;
}

/** Result of {@link benchmarkWebasmMatvec}. */
export interface WebasmMatvecBenchmark {
  k: number;
  n: number;
  /** median milliseconds per call (inputs copied in, output read back) */
  medianMs: number;
  minMs: number;
  /** 2·K·N / median */
  gflops: number;
  /** largest |gpu.js − f64 reference| / max(1, |reference|); about 1e-6 for f32 accumulation */
  maxRelativeError: number;
  /** what installWebasmCodegen reported: whether the fast path was active */
  codegen: WebasmCodegenStatus;
  /**
   * The generated WebAssembly module, as `fnv1a32 hex:byte length` (a fingerprint, not a cryptographic
   * hash): equal digests mean the same machine code was compiled, so two installs can be compared
   * without timing them. null when this gpu.js keeps no module bytes where 2.24.1 keeps them.
   */
  moduleDigest: string | null;
}

/** The kernel object behind gpu.js's run shortcut, as far as the module cache (2.24.1 internals). */
interface ShortcutWithCache {
  kernel?: { _moduleCache?: Map<string, { bytes?: Uint8Array | null }> };
}

/** `fnv1a32 hex:length` of the module the kernel's last call compiled, or null. */
function moduleDigestOf(shortcut: unknown): string | null {
  const cache = (shortcut as ShortcutWithCache).kernel?._moduleCache;
  if (!(cache instanceof Map) || cache.size === 0) return null;
  const bytes = [...cache.values()][cache.size - 1].bytes;
  if (!(bytes instanceof Uint8Array)) return null;
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
  return `${(hash >>> 0).toString(16).padStart(8, '0')}:${bytes.length}`;
}

function checkInteger(name: string, value: number, min: number, max: number, multipleOf = 1): number {
  if (!Number.isInteger(value) || value < min || value > max || value % multipleOf !== 0) {
    const rule =
      multipleOf > 1 ? `a multiple of ${multipleOf} in ${min}–${max}` : `an integer in ${min}–${max}`;
    throw new TensorError('invalid_option', `benchmarkWebasmMatvec: ${name} must be ${rule}, got ${value}`);
  }
  return value;
}

/**
 * Times y = x·W for x: [K], W: [K, N] stored repacked as [N/4][K][4] (a kernel constant, resident in
 * wasm memory), `output: [4, N/4]`, on `new GPU({ mode: 'webasm' })`, single-threaded.
 *
 * @example
 * ```ts
 * import { benchmarkWebasmMatvec } from '@gpt2js/tensor';
 * const { medianMs, codegen, moduleDigest } = benchmarkWebasmMatvec();
 * console.log(`${medianMs.toFixed(2)} ms, fast path ${codegen.installed}, module ${moduleDigest}`);
 * ```
 */
export function benchmarkWebasmMatvec(options: WebasmMatvecBenchmarkOptions = {}): WebasmMatvecBenchmark {
  const k = checkInteger('k', options.k ?? 768, 1, 65536);
  const n = checkInteger('n', options.n ?? 3072, 4, 262144, 4);
  const runs = checkInteger('runs', options.runs ?? 40, 1, 10000);
  const codegen = installWebasmCodegen(gpujs);

  const w = new Float32Array(k * n);
  const x = new Float32Array(k);
  for (let i = 0; i < w.length; i++) w[i] = Math.sin(i * 0.37) * 0.5;
  for (let i = 0; i < k; i++) x[i] = Math.cos(i * 0.11);
  // packed[(j·K + kk)·4 + lane] = W[kk][4j + lane]; W[kk][c] is w[kk·N + c]
  const packed = new Float32Array(k * n);
  for (let c = 0; c < n; c++) {
    for (let kk = 0; kk < k; kk++) packed[((c >> 2) * k + kk) * 4 + (c & 3)] = w[kk * n + c];
  }

  const gpu = new gpujs.GPU({ mode: 'webasm' });
  try {
    const matvec = gpu.createKernel(
      function (this: gpujs.IKernelFunctionThis<{ K: number; w: number[][][] }>, v: number[]) {
        let sum = 0;
        for (let kk = 0; kk < this.constants.K; kk++) {
          sum += v[kk] * this.constants.w[this.thread.y][kk][this.thread.x];
        }
        return sum;
      },
      {
        output: [4, n / 4],
        constants: { K: k, w: new gpujs.Input(packed as unknown as number[], [4, k, n / 4]) },
      },
    );
    const first = matvec(x) as unknown as Float32Array[];
    const moduleDigest = moduleDigestOf(matvec);
    let maxRelativeError = 0;
    for (let c = 0; c < n; c++) {
      let reference = 0;
      for (let kk = 0; kk < k; kk++) reference += x[kk] * w[kk * n + c];
      const got = first[c >> 2][c & 3];
      maxRelativeError = Math.max(
        maxRelativeError,
        Math.abs(got - reference) / Math.max(1, Math.abs(reference)),
      );
    }
    for (let i = 0; i < Math.max(3, runs >> 2); i++) matvec(x);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      matvec(x);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    const medianMs = times[times.length >> 1];
    return {
      k,
      n,
      medianMs,
      minMs: times[0],
      gflops: (2 * k * n) / (medianMs * 1e6),
      maxRelativeError,
      codegen,
      moduleDigest,
    };
  } finally {
    gpu.destroy();
  }
}
