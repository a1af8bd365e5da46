// pnpm bench: GFLOP/s and GB/s of linear at GPT-2's shapes on each Node backend and weight dtype, beside a naive
// JavaScript loop measured in the same run, with the fraction of the streaming-read bandwidth reached at batch 1.
// Run after `pnpm --filter @gpt2js/tensor build`; headlessgl joins under `xvfb-run -a`; `--fma` turns relaxed
// SIMD on (webasm fused multiply-adds; Node 22+ has it by default).

import {
  createBackend,
  enableRelaxedSimd,
  fusedMultiplyAddEnabled,
  linear,
  probeBackends,
} from '../dist/index.js';
import { streamReadGBps } from './stream-read.mjs';

const SHAPES = [
  { R: 1, K: 768, N: 2304, layout: 'in_out' },
  { R: 1, K: 768, N: 3072, layout: 'in_out' },
  { R: 1, K: 3072, N: 768, layout: 'in_out' },
  { R: 128, K: 768, N: 3072, layout: 'in_out' },
  { R: 1, K: 768, N: 50257, layout: 'out_in' },
  // GPT-2's residual projections are initialised N(0, 0.02/√24): ≈ 1 % of their halves are subnormal
  { R: 1, K: 3072, N: 768, layout: 'in_out', std: 0.02 / Math.sqrt(24) },
];
const DTYPES = ['f32', 'f16', 'int8'];
const quick = process.argv.includes('--quick');
// --fma: relaxed SIMD on (Node 20 needs it asked for), so webasm kernels fuse multiply-adds
if (process.argv.includes('--fma')) await enableRelaxedSimd();

function random(n, seed) {
  const out = new Float32Array(n);
  let a = seed;
  for (let i = 0; i < n; i++) {
    a = (a * 1664525 + 1013904223) >>> 0;
    out[i] = a / 4294967296 - 0.5;
  }
  return out;
}

/** Roughly Gaussian values (sum of three uniforms) with standard deviation `std`. */
function gaussian(n, seed, std) {
  const [a, b, c] = [random(n, seed), random(n, seed + 7), random(n, seed + 13)];
  return a.map((v, i) => (v + b[i] + c[i]) * 2 * std);
}

/** The baseline: the plain triple loop over Float32Arrays, in the weight's own layout. */
function naive(x, w, R, K, N, layout) {
  const y = new Float32Array(R * N);
  for (let r = 0; r < R; r++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += x[r * K + k] * (layout === 'in_out' ? w[k * N + n] : w[n * K + k]);
      y[r * N + n] = s;
    }
  }
  return y;
}

async function best(fn, budgetMs = 1500, maxRuns = 15) {
  await fn();
  let min = Number.POSITIVE_INFINITY;
  const start = performance.now();
  for (let i = 0; i < maxRuns && (i < 3 || performance.now() - start < budgetMs); i++) {
    const t = performance.now();
    await fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

const bandwidth = streamReadGBps();
console.log(
  `machine: ${process.platform} ${process.arch}, Node ${process.versions.node}; WebAssembly SIMD streaming read, 1 thread: ${bandwidth.toFixed(1)} GB/s; webasm fused multiply-adds ${fusedMultiplyAddEnabled() ? 'on' : 'off'}`,
);
const available = (await probeBackends()).filter(
  (p) => p.available && ['cpu', 'webasm', 'headlessgl'].includes(p.name),
);
const rows = [];
for (const shape of quick ? SHAPES.slice(0, 2) : SHAPES) {
  const { R, K, N, layout, std } = shape;
  const x = random(R * K, 1);
  const w = std ? gaussian(K * N, 2, std) : random(K * N, 2);
  const flops = 2 * R * K * N;
  const naiveMs = await best(() => naive(x, w, R, K, N, layout), 1000, 5);
  const label = `${R}×${K}·${layout === 'in_out' ? `${K}×${N}` : `(${N}×${K})ᵀ`}${std ? ` N(0,${std.toFixed(4)})` : ''}`;
  rows.push({
    shape: label,
    backend: 'naive JS',
    R,
    flops,
    naiveMs,
    cells: [{ dtype: 'f32', ms: naiveMs, bytes: K * N * 4 }],
  });
  for (const { name } of available) {
    const backend = await createBackend({ backend: name });
    const dtypes = name === 'cpu' ? ['f32'] : DTYPES;
    const weights = dtypes.map((dtype) =>
      backend.weight(w, layout === 'in_out' ? [K, N] : [N, K], { layout, dtype }),
    );
    const xt = backend.tensor(x, [R, K]);
    const run = async (weight) => {
      const y = linear(xt, weight);
      await y.toArray();
      y.dispose();
    };
    // interleaved: one call of each dtype per round, minimum per dtype over the rounds
    const mins = weights.map(() => Number.POSITIVE_INFINITY);
    for (const weight of weights) await run(weight);
    const start = performance.now();
    for (
      let round = 0;
      round < 15 && (round < 3 || performance.now() - start < 1500 * weights.length);
      round++
    ) {
      for (let i = 0; i < weights.length; i++) {
        const t = performance.now();
        await run(weights[i]);
        mins[i] = Math.min(mins[i], performance.now() - t);
      }
    }
    rows.push({
      shape: label,
      backend: name,
      R,
      flops,
      naiveMs,
      cells: dtypes.map((dtype, i) => ({ dtype, ms: mins[i], bytes: weights[i].bytes })),
    });
    for (const weight of weights) weight.dispose();
    xt.dispose();
    backend.dispose();
  }
}
const pad = (s, n) => String(s).padEnd(n);
console.log(
  `${pad('shape', 32)}${pad('backend', 10)}${DTYPES.map((d) => pad(`${d}: ms GFLOP/s GB/s ×naive bw`, 36)).join('')}`,
);
for (const r of rows) {
  const { R, flops } = r;
  const cells = DTYPES.map((dtype) => {
    const c = r.cells.find((x) => x.dtype === dtype);
    if (!c) return pad('', 36);
    const gbps = c.bytes / c.ms / 1e6;
    const bw = R === 1 ? `${((gbps / bandwidth) * 100).toFixed(0)}%` : '';
    return pad(
      `${c.ms.toFixed(2)} ${(flops / c.ms / 1e6).toFixed(1)} ${gbps.toFixed(1)} ${(r.naiveMs / c.ms).toFixed(1)}× ${bw}`,
      36,
    );
  });
  console.log(`${pad(r.shape, 32)}${pad(r.backend, 10)}${cells.join('')}`);
}
console.log(
  'GB/s counts the bytes the weight occupies on the backend (Weight.bytes) per call; bw = fraction of the 1-thread streaming read (batch 1). dtypes are measured interleaved (minimum of each).',
);
process.exit(0);
