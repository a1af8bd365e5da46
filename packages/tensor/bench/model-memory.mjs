// Peak RSS of a GPT-2-124M-shaped model (random weights: wte 50257×768 + 12 layers of c_attn, attn c_proj, c_fc,
// mlp c_proj) loaded through backend.weight on webasm, per weight dtype, against the bytes the weights occupy
// (Weight.bytes), plus the time of one forward's worth of matrix-vector products (first and second pass).
// Each dtype runs in its own child process so that one's memory does not inflate the next.
// Run after `pnpm --filter @gpt2js/tensor build`.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const DTYPES = ['f32', 'f16', 'int8'];

if (process.argv[2] === '--child') {
  await child(process.argv[3]);
} else {
  console.log('GPT-2 124M shapes on webasm: peak RSS while loading and running, per weight dtype');
  console.log(
    'dtype  stored MB  peak RSS − baseline MB  ×stored  settled MB  ×stored  load ms  1st pass ms  2nd pass ms',
  );
  for (const dtype of DTYPES) {
    const line = execFileSync(
      process.execPath,
      ['--expose-gc', fileURLToPath(import.meta.url), '--child', dtype],
      {
        encoding: 'utf8',
      },
    );
    console.log(line.trim());
  }
  console.log(
    "peak includes the f32 arrays handed to backend.weight (GPT-2's wte alone is 154 MB) until they are collected; settled is after a GC.",
  );
  console.log(
    'A pass is the 49 matrix-vector products of one decode step (12 × 4 layers + the LM head), each read back.',
  );
}

async function child(dtype) {
  const { createBackend, linear } = await import('../dist/index.js');
  const backend = await createBackend({ backend: 'webasm' });
  let peak = 0;
  const sample = () => {
    const rss = process.memoryUsage().rss;
    if (rss > peak) peak = rss;
    return rss;
  };
  const settle = async () => {
    globalThis.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
    return sample();
  };
  const random = (n, seed) => {
    const out = new Float32Array(n);
    let a = seed;
    for (let i = 0; i < n; i++) {
      a = (a * 1664525 + 1013904223) >>> 0;
      out[i] = a / 4294967296 - 0.5;
    }
    return out;
  };
  const C = 768;
  const baseline = await settle();
  const t0 = performance.now();
  const weights = [backend.weight(random(50257 * C, 1), [50257, C], { layout: 'out_in', dtype })];
  sample();
  for (let l = 0; l < 12; l++) {
    for (const [K, N] of [
      [C, 3 * C],
      [C, C],
      [C, 4 * C],
      [4 * C, C],
    ]) {
      weights.push(backend.weight(random(K * N, l * 7 + K + N), [K, N], { dtype }));
      sample();
    }
  }
  const loadMs = performance.now() - t0;
  await settle();
  const stored = weights.reduce((sum, w) => sum + w.bytes, 0);
  const x = backend.tensor(random(C, 9), [1, C]);
  const h = backend.tensor(random(4 * C, 9), [1, 4 * C]);
  const pass = async () => {
    const start = performance.now();
    for (const w of weights) {
      const y = linear(w.inFeatures === C ? x : h, w);
      await y.toArray();
      y.dispose();
      sample();
    }
    return performance.now() - start;
  };
  const first = await pass();
  const second = await pass();
  const settled = (await settle()) - baseline;
  const mb = (bytes) => (bytes / 1e6).toFixed(0);
  const pad = (s, n) => String(s).padEnd(n);
  console.log(
    `${pad(dtype, 7)}${pad(mb(stored), 11)}${pad(mb(peak - baseline), 24)}${pad(((peak - baseline) / stored).toFixed(2), 9)}${pad(mb(settled), 12)}${pad((settled / stored).toFixed(2), 9)}${pad(loadMs.toFixed(0), 9)}${pad(first.toFixed(0), 13)}${second.toFixed(0)}`,
  );
  backend.dispose();
  process.exit(0);
}
