// `pnpm bench`: GPT-2 124M-shaped seeded random weights through the real loader, per available Node backend
// and weight storage: load time, prefill tokens/s (128-token prompt), decode tokens/s (128 new tokens, batch
// 1, greedy), peak RSS, against the streaming-read bandwidth ceiling measured in the same run.
// Env: GPT2JS_BENCH_BACKENDS (e.g. "webasm"), GPT2JS_BENCH_DTYPES ("f32,int8"), GPT2JS_BENCH_PROMPT (128),
// GPT2JS_BENCH_NEW (128), GPT2JS_BENCH_TIMEOUT_S per run (600).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { probeBackends } from '@gpt2js/tensor';
import { streamReadGBps } from './bandwidth.js';
import { ensureRandomGpt2 } from './weights.js';

const list = (name: string, fallback: string[]) =>
  process.env[name]
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean) ?? fallback;
const PROMPT = Number(process.env.GPT2JS_BENCH_PROMPT ?? 128);
const NEW = Number(process.env.GPT2JS_BENCH_NEW ?? 128);
const TIMEOUT_S = Number(process.env.GPT2JS_BENCH_TIMEOUT_S ?? 600);

interface Result {
  backend: string;
  dtype: string;
  loadMs: number;
  weightBytes: number;
  prefillTokensPerSecond: number;
  decodeTokensPerSecond: number;
  peakRssBytes: number;
}

function runJob(job: object): Promise<Result | string> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL('./measure.js', import.meta.url)), JSON.stringify(job)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_S * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (line) resolve(JSON.parse(line.slice('BENCH_RESULT '.length)) as Result);
      else
        resolve(
          signal
            ? `killed after ${TIMEOUT_S} s (GPT2JS_BENCH_TIMEOUT_S)`
            : `exit ${code}: ${err.trim().split('\n').slice(-3).join(' ')}`,
        );
    });
  });
}

const fmt = (x: number, digits = 1) => x.toFixed(digits);
const MB = 1e6;

const cacheRoot = fileURLToPath(new URL('../../.cache/bench/', import.meta.url));
let t = performance.now();
const dir = await ensureRandomGpt2(cacheRoot);
console.log(
  `weights: ${dir} (GPT-2 124M shape, seeded random, ready in ${fmt((performance.now() - t) / 1000)} s)`,
);

t = performance.now();
const gbps = streamReadGBps();
console.log(
  `ceiling: WebAssembly SIMD streaming read, 1 thread: ${fmt(gbps, 2)} GB/s (measured now, ${fmt(performance.now() - t, 0)} ms)`,
);

const probes = await probeBackends();
const available = probes
  .filter((p) => p.available && ['cpu', 'webasm', 'headlessgl'].includes(p.name))
  .map((p) => p.name);
const backends = list('GPT2JS_BENCH_BACKENDS', available);
for (const p of probes)
  if (!p.available && ['headlessgl'].includes(p.name)) console.log(`skipped ${p.name}: ${p.reason}`);
const dtypes = list('GPT2JS_BENCH_DTYPES', ['f32', 'f16', 'int8']);
console.log(`prompt ${PROMPT} tokens, ${NEW} new tokens, batch 1, greedy; one process per run\n`);

const header = [
  'backend',
  'weights',
  'load s',
  'prefill tok/s',
  'decode tok/s',
  'ceiling tok/s',
  'decode/ceiling',
  'peak RSS MB',
  'RSS/weights',
  'decode vs f32',
];
const rows: string[][] = [];
const f32Decode = new Map<string, number>();
for (const backend of backends) {
  for (const dtype of dtypes) {
    const r = await runJob({ dir, backend, dtype, promptTokens: PROMPT, newTokens: NEW });
    if (typeof r === 'string') {
      rows.push([backend, dtype, r]);
      console.log(`${backend} ${dtype}: ${r}`);
      continue;
    }
    if (dtype === 'f32') f32Decode.set(backend, r.decodeTokensPerSecond);
    const ceiling = (gbps * 1e9) / r.weightBytes;
    const base = f32Decode.get(backend);
    const row = [
      backend,
      `${dtype} (${fmt(r.weightBytes / MB, 0)} MB)`,
      fmt(r.loadMs / 1000, 2),
      fmt(r.prefillTokensPerSecond),
      fmt(r.decodeTokensPerSecond),
      fmt(ceiling),
      `${fmt((100 * r.decodeTokensPerSecond) / ceiling, 0)} %`,
      fmt(r.peakRssBytes / MB, 0),
      `${fmt(r.peakRssBytes / r.weightBytes, 2)}×`,
      base === undefined ? '–' : `${fmt(r.decodeTokensPerSecond / base, 2)}×`,
    ];
    rows.push(row);
    console.log(row.join(' | '));
  }
}

const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ');
console.log(
  `\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}\n${rows.map(line).join('\n')}`,
);
console.log(
  '\nceiling tok/s = streaming-read bandwidth ÷ bytes of stored weights (every weight is read once per decoded token).',
);
