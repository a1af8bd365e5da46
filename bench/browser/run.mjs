// The browser benchmark: gpt2js greedy decoding in headless Chromium, per backend (webasm with threads
// under COOP/COEP, webgpu, webgl2), so the browser figures of this machine can be compared later with a
// machine that has a real GPU.
//   1. the model folder: the embedded models/gpt2-tiny, or the seeded random 124M weights (../make-weights.mjs);
//   2. the page (page/) built with Vite, served with the model on 127.0.0.1 (server.mjs);
//   3. per round, every model × backend × storage once, each in a fresh Chromium (chromium.mjs);
//   4. the Markdown report (report.mjs) on stdout and in <cache>/results/browser.md (+ browser.json).
// Run from the repository root: `node bench/browser/run.mjs` (options: README.md). Progress goes to stderr.
// Exit 0 whenever the benchmark ran, failed or timed-out samples included; 2 for a bad option; 1 when the
// harness itself failed.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo } from '../lib/machine.mjs';
import { fmt } from '../lib/stats.mjs';
import { promptIds, summarise } from '../lib/workload.mjs';
import { buildPage } from './build-page.mjs';
import { runSample } from './chromium.mjs';
import { modelDir } from './model-dir.mjs';
import { OptionError, optionsFromEnv, reproduceCommand } from './options.mjs';
import { buildReport } from './report.mjs';
import { serve } from './server.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const BENCH = resolve(HERE, '..');
const log = (message) => process.stderr.write(`[bench:browser] ${message}\n`);

/** One flat record per sample: what the page measured, or why there is nothing. */
function record(spec, round, s) {
  const p = s.page;
  const base = {
    spec: spec.id,
    round,
    ok: s.ok,
    timedOut: s.timedOut === true,
    error: s.error,
    phase: p?.phase,
    chromium: s.chromium,
    report: p?.report,
    env: p?.env,
    gpu: p?.gpu,
    workersStarted: p?.workersStarted,
  };
  if (!s.ok) return { ...base, console: s.console.slice(-20) };
  const cold = summarise(p.cold.start, p.cold.times);
  const run = summarise(p.measured.start, p.measured.times);
  return {
    ...base,
    loadMs: p.loadMs,
    coldTtftMs: cold.ttftMs,
    kernelCache: p.kernelCache,
    ...run,
    sampledDecodeTokensPerSecond: p.sampled
      ? summarise(p.sampled.start, p.sampled.times).decodeTokensPerSecond
      : undefined,
    ids: p.measured.ids,
  };
}

async function main() {
  const options = optionsFromEnv(process.env, BENCH);
  if (!existsSync(join(BENCH, 'node_modules/@gpt2js/gpt2/dist/index.js')))
    throw new Error(
      '@gpt2js/gpt2 is not built (bench/node_modules/@gpt2js/gpt2/dist is missing); run `corepack pnpm turbo run build` at the root',
    );
  if (!existsSync(options.chromium))
    throw new Error(
      `${options.chromium} is missing (apt-get install chromium, or set BENCH_BROWSER_CHROMIUM)`,
    );

  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  log(
    `${machine.cpu}, ${machine.cores} cores, load ${machine.loadAverage.map((x) => x.toFixed(2)).join(' ')}`,
  );
  const dirs = new Map();
  for (const model of options.models) dirs.set(model, await modelDir(model, options, log));

  const pageDir = join(options.cacheDir, 'browser-page');
  log(`building the page into ${pageDir}`);
  await buildPage(pageDir);
  const servers = new Map();
  for (const [model, dir] of dirs) servers.set(model, await serve({ pageDir, modelDir: dir }));

  const specs = options.models.flatMap((model) =>
    options.backends.flatMap((backend) =>
      options.dtypes.map((dtype) => ({ id: `${model} ${backend} ${dtype}`, model, backend, dtype })),
    ),
  );
  const prompt = promptIds(options.promptTokens);
  const samples = new Map(specs.map((s) => [s.id, []]));
  let chromium = 'unknown';
  let userAgent;
  try {
    for (let round = 1; round <= options.rounds; round++) {
      for (const spec of specs) {
        const previous = samples.get(spec.id);
        if (previous.length && previous.every((s) => !s.ok)) continue; // failed before: do not spend the time again
        log(`round ${round}/${options.rounds}: ${spec.id}`);
        const s = await runSample({
          url: servers.get(spec.model).url,
          params: {
            backend: spec.backend,
            dtype: spec.dtype,
            prompt,
            decodeSteps: options.decodeSteps,
            warmupSteps: options.warmupSteps,
            sampledSteps: options.sampledSteps,
          },
          timeoutMs: options.timeoutMs,
          executablePath: options.chromium,
          extraArgs: options.chromiumArgs,
          log,
        });
        chromium = s.chromium;
        userAgent = s.page?.env?.userAgent ?? userAgent;
        const r = record(spec, round, s);
        previous.push(r);
        log(
          r.ok
            ? `  ${r.report.name}: TTFT ${fmt(r.ttftMs, 0)} ms, decode ${fmt(r.decodeTokensPerSecond, 2)} tok/s`
            : `  ${r.error}`,
        );
      }
    }
  } finally {
    for (const s of servers.values()) await s.close();
  }

  const run = {
    options,
    machine,
    chromium,
    userAgent,
    reproduce: reproduceCommand(options),
    specs,
    samples,
    startedAt,
    finishedAt: new Date().toISOString(),
    loadAverageEnd: os.loadavg(),
  };
  const markdown = buildReport(run);
  const out = join(options.cacheDir, 'results', 'browser.md');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, markdown);
  writeFileSync(
    out.replace(/\.md$/, '.json'),
    JSON.stringify({ ...run, dirs: Object.fromEntries(dirs), samples: Object.fromEntries(samples) }, null, 1),
  );
  process.stdout.write(markdown);
  log(`written to ${out} (+ browser.json)`);
}

try {
  await main();
  process.exit(0);
} catch (error) {
  if (error instanceof OptionError) {
    log(error.message);
    process.exit(2);
  }
  log(`harness failure: ${error?.stack ?? error}`);
  process.exit(1);
}
