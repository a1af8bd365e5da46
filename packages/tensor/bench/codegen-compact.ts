// Benchmark: compact weight storage in gpu.js webasm kernels. Batch-1 matrix-vector products of GPT-2
// 124M shapes (x: [K] · W: [K, N]) with W repacked as [N/4][K][4] (gpu.js dims [4, K, N/4]), output
// [4, N/4], the weight a kernel constant (resident in wasm memory). Storages: f32 (Float32Array), f16
// (HalfArray, 2 bytes), int8 (Int8Array, 1 byte, Σ_k x[k]·q[k][n] then × scale[n]); each on stock gpu.js
// (which widens every element to a 4-byte slot; f16 is passed decoded, its stock fallback) and with the
// code-generation extension. Interleaved rounds (every variant once per round), medians, GB/s of
// weight bytes as stored in wasm memory, ratios against extended f32 measured in the same run.
// No timing assertion anywhere: this prints, the reader judges.
//
// Run (no TypeScript runner is installed; bundle with the esbuild that vite brings, gpu.js external):
//   cd packages/tensor && E=$(ls -d ../../node_modules/.pnpm/esbuild@*/node_modules/esbuild/bin/esbuild)
//   $E bench/codegen-compact.ts --bundle --platform=node --format=esm --packages=external \
//     --outfile=node_modules/.cache/codegen-compact.mjs && node node_modules/.cache/codegen-compact.mjs
// Environment: CODEGEN_BENCH_ROUNDS (default 30; the LM head uses a quarter, at least 5).
// Two kernel forms: the plain K loop, and the same loop unrolled by 4 with four accumulators
// (`for (let k = 0; k < K; k += 4) { s0 += v[k]·w[y][k][x]; s1 += v[k + 1]·w[y][k + 1][x]; … }`),
// which spreads the loop overhead over four widening loads.
import * as gpujs from 'gpu.js';
import {
  decodeHalfArray,
  HalfArray,
  installWebasmCodegen,
  uninstallWebasmCodegen,
} from '../src/codegen/index.js';
import { toHalfArray } from '../src/dtype.js';

type Storage = 'f32' | 'f16' | 'int8';
type Matvec = (x: Float32Array) => unknown;

interface Weights {
  k: number;
  n: number;
  f32: Float32Array;
  half: Uint16Array;
  q: Int8Array;
  scales: Float32Array;
}

interface Variant {
  label: string;
  storage: Storage;
  extended: boolean;
  unrolled: boolean;
  /** bytes of the weight region in wasm memory */
  weightBytes: number;
  run: Matvec;
  gpu: gpujs.GPU;
  times: number[];
  output: Float32Array;
}

/** Repacked weights [N/4][K][4] of a seeded W[k][n] in each storage (per-column int8 scales). */
function makeWeights(k: number, n: number): Weights {
  const w = new Float32Array(k * n);
  let state = 12345;
  for (let i = 0; i < w.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    w[i] = (state / 2 ** 32 - 0.5) * 0.2;
  }
  const f32 = new Float32Array(k * n);
  const maxAbs = new Float32Array(n);
  for (let c = 0; c < n; c++) {
    for (let kk = 0; kk < k; kk++) {
      const value = w[kk * n + c];
      f32[((c >> 2) * k + kk) * 4 + (c & 3)] = value;
      maxAbs[c] = Math.max(maxAbs[c], Math.abs(value));
    }
  }
  const scales = new Float32Array(n).map((_, c) => (maxAbs[c] > 0 ? maxAbs[c] / 127 : 1));
  const q = new Int8Array(k * n);
  for (let i = 0; i < f32.length; i++) {
    const c = Math.floor(i / (4 * k)) * 4 + (i & 3);
    q[i] = Math.max(-127, Math.min(127, Math.round(f32[i] / scales[c])));
  }
  return { k, n, f32, half: toHalfArray(f32), q, scales };
}

function buildKernel(
  gpu: gpujs.GPU,
  weights: Weights,
  storage: Storage,
  extended: boolean,
  threaded: boolean,
  unrolled: boolean,
): Matvec {
  const { k, n } = weights;
  const dims: [number, number, number] = [4, k, n / 4];
  const settings = { output: [4, n / 4], asyncMode: threaded };
  const w =
    storage === 'int8'
      ? weights.q
      : storage === 'f32'
        ? weights.f32
        : extended
          ? HalfArray.fromBits(weights.half)
          : decodeHalfArray(weights.half);
  const constants: Record<string, unknown> = { K: k, w: new gpujs.Input(w as unknown as number[], dims) };
  if (storage === 'int8')
    constants.scales = new gpujs.Input(weights.scales as unknown as number[], [4, n / 4]);
  const source = unrolled ? unrolledSource(storage === 'int8') : simpleSource(storage === 'int8');
  return gpu.createKernel(source, {
    ...settings,
    constants,
  } as unknown as gpujs.IGPUKernelSettings) as unknown as Matvec;
}

function simpleSource(scaled: boolean): string {
  return `function (v) {
  let sum = 0;
  for (let k = 0; k < this.constants.K; k++) {
    sum += v[k] * this.constants.w[this.thread.y][k][this.thread.x];
  }
  return ${scaled ? 'sum * this.constants.scales[this.thread.y][this.thread.x]' : 'sum'};
}`;
}

function unrolledSource(scaled: boolean): string {
  return `function (v) {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let k = 0; k < this.constants.K; k += 4) {
    s0 += v[k] * this.constants.w[this.thread.y][k][this.thread.x];
    s1 += v[k + 1] * this.constants.w[this.thread.y][k + 1][this.thread.x];
    s2 += v[k + 2] * this.constants.w[this.thread.y][k + 2][this.thread.x];
    s3 += v[k + 3] * this.constants.w[this.thread.y][k + 3][this.thread.x];
  }
  const sum = (s0 + s1) + (s2 + s3);
  return ${scaled ? 'sum * this.constants.scales[this.thread.y][this.thread.x]' : 'sum'};
}`;
}

function flat(result: unknown): Float32Array {
  return Float32Array.from((result as Float32Array[]).flatMap((row) => Array.from(row)));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

function weightRegionBytes(run: Matvec): number {
  const kernel = (
    run as unknown as { kernel: { _active: { layout: { constantArrays: { w: { flatLength: number } } } } } }
  ).kernel;
  return kernel._active.layout.constantArrays.w.flatLength * 4;
}

async function call(run: Matvec, x: Float32Array): Promise<unknown> {
  return await run(x);
}

async function makeVariant(
  weights: Weights,
  storage: Storage,
  extended: boolean,
  threaded: boolean,
  unrolled: boolean,
  x: Float32Array,
): Promise<Variant> {
  if (extended) {
    const status = installWebasmCodegen(gpujs);
    if (!status.installed) throw new Error(`extension did not install: ${status.reason}`);
  } else {
    uninstallWebasmCodegen(gpujs);
  }
  const gpu = new gpujs.GPU({ mode: 'webasm' });
  const run = buildKernel(gpu, weights, storage, extended, threaded, unrolled);
  const output = flat(await call(run, x));
  const label = `${extended ? 'extended' : 'stock'} ${storage}${unrolled ? ' unrolled×4' : ''}`;
  return {
    label,
    storage,
    extended,
    unrolled,
    weightBytes: weightRegionBytes(run),
    run,
    gpu,
    times: [],
    output,
  };
}

async function measure(k: number, n: number, rounds: number, threaded: boolean): Promise<void> {
  const weights = makeWeights(k, n);
  const x = new Float32Array(k).map((_, i) => Math.cos(i * 0.11));
  const storages: Storage[] = ['f32', 'f16', 'int8'];
  const variants: Variant[] = [];
  for (const storage of storages)
    variants.push(await makeVariant(weights, storage, false, threaded, false, x));
  for (const unrolled of [false, true]) {
    for (const storage of storages)
      variants.push(await makeVariant(weights, storage, true, threaded, unrolled, x));
  }
  for (let warm = 0; warm < 3; warm++) for (const variant of variants) await call(variant.run, x);
  for (let round = 0; round < rounds; round++) {
    for (const variant of variants) {
      const start = performance.now();
      await call(variant.run, x);
      variant.times.push(performance.now() - start);
    }
  }
  const find = (storage: Storage, extended: boolean, unrolled: boolean): Variant =>
    variants.find(
      (v) => v.storage === storage && v.extended === extended && v.unrolled === unrolled,
    ) as Variant;
  const stockF32 = find('f32', false, false);
  const threads = threaded ? 'asyncMode: worker threads' : '1 thread';
  console.log(`\n${k}×${n} (${rounds} interleaved rounds, ${threads})`);
  console.log(
    'variant                      weight MB   median ms   GB/s weights   vs ext f32 (same form)   vs stock f32   same bits as stock',
  );
  for (const variant of variants) {
    const ms = median(variant.times);
    const baseline = median(find('f32', true, variant.unrolled).times);
    const twin = find(variant.storage, false, false);
    // the unrolled form sums in another order: compare it with the f64 reference instead
    const same = variant.unrolled
      ? 'other sum order'
      : String(twin.output.every((value, i) => Object.is(value, variant.output[i])));
    console.log(
      `${variant.label.padEnd(27)} ${(variant.weightBytes / 1e6).toFixed(2).padStart(9)}   ${ms.toFixed(3).padStart(9)}   ${(variant.weightBytes / (ms * 1e6)).toFixed(2).padStart(12)}   ${variant.extended ? `${(baseline / ms).toFixed(2)}×`.padStart(22) : '—'.padStart(22)}   ${(median(stockF32.times) / ms).toFixed(2).padStart(11)}×   ${variant.extended ? same : '—'}`,
    );
  }
  for (const variant of variants) variant.gpu.destroy();
}

async function main(): Promise<void> {
  const rounds = Number(process.env.CODEGEN_BENCH_ROUNDS ?? 30);
  console.log(`gpu.js webasm matvec with compact weights: stock vs extension (Node ${process.version})`);
  console.log('weights are kernel constants (resident); times include the x copy and the output readback');
  await measure(768, 3072, rounds, false);
  await measure(768, 50260, Math.max(5, rounds >> 2), false);
  await measure(768, 50260, Math.max(5, rounds >> 2), true);
  uninstallWebasmCodegen(gpujs);
}

await main();
