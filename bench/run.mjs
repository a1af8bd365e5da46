// `pnpm bench`: gpt2js against transformers.js on the same machine, in the same run.
//   1. random GPT-2 124M weights (make-weights.mjs), exported once to ONNX fp32 + q8 (export-onnx.py);
//   2. per round: the WebAssembly bandwidth ceiling, then every engine once, alternating engines
//      (A B A B …), each sample in its own process so that peak RSS is the engine's own;
//   3. medians, ratios and targets as Markdown on stdout and in <cache>/results/latest.md (+ latest.json).
// Options are environment variables (see lib/options.mjs and README.md); progress goes to stderr.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild } from './lib/child.mjs';
import { OptionError } from './lib/env-options.mjs';
import { machineInfo } from './lib/machine.mjs';
import { optionsFromEnv } from './lib/options.mjs';
import { backendVariants, childEnv, relaxedSimdStatus } from './lib/relaxed-simd.mjs';
import { buildReport } from './lib/report.mjs';
import { fmt } from './lib/stats.mjs';
import { promptIds } from './lib/workload.mjs';
import { ensureWeights, readConfig, weightsDir } from './make-weights.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const log = (message) => process.stderr.write(`[bench] ${message}\n`);

/** Makes the ONNX files once per weights folder; returns a sentence for the report and whether they exist. */
function ensureOnnx(dir, python) {
  const done = join(dir, 'onnx', '.complete');
  const describe = () => {
    const v = JSON.parse(readFileSync(join(dir, 'onnx', 'verify.json'), 'utf8'));
    const meta = JSON.parse(readFileSync(done, 'utf8'));
    return (
      `torch ${meta.torch}, onnx ${meta.onnx}, opset ${meta.opset}; onnxruntime vs torch on ${v.rows} logits rows: ` +
      `fp32 max |Δ| ${v.fp32.maxDiff.toExponential(1)} (same argmax ${v.fp32.sameArgmax}/${v.rows}), ` +
      `q8 max |Δ| ${v.q8.maxDiff.toExponential(1)} (same argmax ${v.q8.sameArgmax}/${v.rows})`
    );
  };
  if (existsSync(done)) return { ok: true, status: `reused; ${describe()}` };
  log(`exporting ONNX with ${python} export-onnx.py (about a minute)`);
  const r = spawnSync(python, [join(HERE, 'export-onnx.py'), dir], {
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
  });
  process.stderr.write(r.stderr ?? '');
  if (r.status === 0 && existsSync(done)) return { ok: true, status: `exported this run; ${describe()}` };
  const why = r.error
    ? `${python} could not run (${r.error.code ?? r.error.message})`
    : ((r.stderr ?? '').trim().split('\n').filter(Boolean).slice(-1)[0] ?? `exit ${r.status}`);
  return {
    ok: false,
    status:
      `could not run, so transformers.js was not measured: ${why}. ` +
      'Install with `apt-get install -y python3-torch python3-onnx libopenblas0-pthread` (or set BENCH_PYTHON).',
  };
}

/** Whether the gpt2js packages are built, and which Node backends they can create. */
async function probeGpt2js() {
  try {
    const gpt2 = await import('@gpt2js/gpt2');
    if (typeof gpt2.GPT2LMHeadModel?.fromPretrained !== 'function') {
      return { ok: false, status: '@gpt2js/gpt2 does not export GPT2LMHeadModel.fromPretrained yet' };
    }
    const tensor = await import('@gpt2js/tensor');
    const probes = typeof tensor.probeBackends === 'function' ? await tensor.probeBackends() : undefined;
    return { ok: true, status: 'built; greedy decoding through GPT2LMHeadModel.createSession(1)', probes };
  } catch (e) {
    return {
      ok: false,
      status: `not measured: cannot import @gpt2js/gpt2 (${String(e?.message ?? e).split('\n')[0]}); build it with \`pnpm --filter @gpt2js/gpt2... build\``,
    };
  }
}

const options = (() => {
  try {
    return optionsFromEnv(process.env, HERE);
  } catch (error) {
    if (!(error instanceof OptionError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
})();
const startedAt = new Date().toISOString();
const machine = machineInfo();
log(`${machine.cpu}, ${machine.cores} cores, load ${machine.loadAverage.map((x) => x.toFixed(2)).join(' ')}`);

const dir = await ensureWeights({ seed: options.seed, dir: weightsDir(options.seed, options.cacheDir), log });
const cfg = readConfig(dir);
const onnx = options.engines.includes('transformers.js')
  ? ensureOnnx(dir, options.python)
  : { ok: false, status: 'not requested (BENCH_ENGINES)' };
const gpt2js = options.engines.includes('gpt2js')
  ? await probeGpt2js()
  : { ok: false, status: 'not requested (BENCH_ENGINES)' };

// Engines in the order they alternate within a round: transformers.js and gpt2js take turns.
const tjsSpecs = onnx.ok
  ? options.tjsDtypes.map((dtype) => ({
      id: `transformers.js ${dtype}`,
      engine: 'transformers.js',
      backend: 'onnxruntime cpu',
      dtype,
      precision: dtype === 'q8' ? 'int8' : 'f32',
      script: join(HERE, 'engines', 'transformers.mjs'),
    }))
  : [];
// Per backend and storage, one spec per relaxed-SIMD variant (webasm only; lib/relaxed-simd.mjs), the
// variants of one storage next to each other so that they see the same machine load.
const gptSpecs = gpt2js.ok
  ? options.backends.flatMap((backend) =>
      options.dtypes.flatMap((dtype) =>
        backendVariants(backend, options.relaxedSimd).map((v) => ({
          id: `gpt2js ${v.variant} ${dtype}`,
          engine: 'gpt2js',
          backend,
          ...v,
          dtype,
          precision: dtype,
          script: join(HERE, 'engines', 'gpt2js.mjs'),
        })),
      ),
    )
  : [];
const specs = [];
for (let i = 0; i < Math.max(tjsSpecs.length, gptSpecs.length); i++) {
  if (tjsSpecs[i]) specs.push(tjsSpecs[i]);
  if (gptSpecs[i]) specs.push(gptSpecs[i]);
}

// gpt2js's webasm kernel cache: emptied here, so each storage's first sample compiles its kernels and the
// later ones read them back (the report gives both cold times)
const kernelCache = join(options.cacheDir, 'kernels');
rmSync(kernelCache, { recursive: true, force: true });

const prompt = promptIds(options.promptTokens);
const samples = new Map(specs.map((s) => [s.id, []]));
const bandwidth = { one: [], two: [], byStreams: [] };
for (let round = 1; round <= options.rounds; round++) {
  const ceiling = await runChild(join(HERE, 'ceiling.mjs'), {}, { timeoutMs: 120_000 });
  if (ceiling.ok) {
    bandwidth.one.push(ceiling.result.oneThread);
    bandwidth.two.push(ceiling.result.twoThreads);
    bandwidth.byStreams.push(ceiling.result.byStreams ?? {});
    const single = ceiling.result.byStreams?.[1];
    log(
      `round ${round}/${options.rounds}: bandwidth ${fmt(ceiling.result.oneThread)} GB/s (1T), ${fmt(ceiling.result.twoThreads)} GB/s (2T)` +
        (single ? `; one stream per thread ${fmt(single.oneThread)} / ${fmt(single.twoThreads)}` : ''),
    );
  } else {
    log(`round ${round}/${options.rounds}: bandwidth probe failed: ${ceiling.error}`);
  }
  for (const spec of specs) {
    const previous = samples.get(spec.id);
    if (previous.length && previous.every((s) => !s.ok)) continue; // failed before: do not spend the time again
    const args = {
      dir,
      backend: spec.backend,
      dtype: spec.dtype,
      prompt,
      decodeSteps: options.decodeSteps,
      sampledSteps: options.sampledSteps,
    };
    const sample = await runChild(spec.script, args, {
      timeoutMs: options.timeoutMs,
      env: childEnv({ ...process.env, GPT2JS_KERNEL_CACHE: kernelCache }, spec.envOverrides),
      nodeArgs: spec.nodeArgs,
    });
    previous.push(sample);
    log(
      sample.ok
        ? `round ${round}/${options.rounds}: ${spec.id}: TTFT ${fmt(sample.result.ttftMs, 0)} ms, decode ${fmt(sample.result.decodeTokensPerSecond)} tok/s, ` +
            `peak RSS ${fmt(sample.result.peakRssBytes / 1e6, 0)} MB`
        : `round ${round}/${options.rounds}: ${spec.id}: ${sample.error}`,
    );
  }
}

const { markdown, summary } = buildReport({
  options,
  machine,
  cfg,
  exportStatus: onnx.status,
  gpt2jsStatus: gpt2js.status,
  probes: gpt2js.probes,
  relaxedSimdStatus: gptSpecs.some((s) => s.relaxedSimd) ? relaxedSimdStatus(options.relaxedSimd) : undefined,
  specs,
  samples,
  bandwidth,
  startedAt,
  finishedAt: new Date().toISOString(),
  loadAverageEnd: os.loadavg(),
});
mkdirSync(dirname(options.out), { recursive: true });
writeFileSync(options.out, `${markdown}\n`);
writeFileSync(
  options.out.replace(/\.md$/, '.json'),
  JSON.stringify(
    { options, machine, startedAt, summary, samples: Object.fromEntries(samples), bandwidth },
    null,
    1,
  ),
);
process.stdout.write(`${markdown}\n`);
log(`written to ${options.out}`);
