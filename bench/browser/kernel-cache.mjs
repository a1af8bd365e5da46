// What webasm's kernel cache in IndexedDB saves a page: the time to first token of a page's first generation
// (the page of run.mjs, webasm), alternating a page of one browser context (whose IndexedDB keeps the kernels
// compiled by the pages before it) with a page of a fresh context (an empty IndexedDB: every kernel compiled).
// Medians per storage on stdout; each page's figures and kernel counts on stderr.
// Run from the repository root: `node bench/browser/kernel-cache.mjs`; the run.mjs options apply (model,
// storages, prompt, warm-up tokens, Chromium), with BENCH_BROWSER_ROUNDS pairs of pages (at least 3).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, median } from '../lib/stats.mjs';
import { promptIds, summarise } from '../lib/workload.mjs';
import { launch } from './chromium.mjs';
import { optionsFromEnv } from './options.mjs';
import { runInPage, servePage } from './page-runs.mjs';

const BENCH = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const log = (message) => process.stderr.write(`[bench:kernel-cache] ${message}\n`);

const options = optionsFromEnv(process.env, BENCH);
const pairs = Math.max(3, options.rounds);
const { model, server } = await servePage(options, log);
const { browser, close } = await launch({
  executablePath: options.chromium,
  extraArgs: options.chromiumArgs,
});

/** One page load: its first generation's time to first token, and what the kernel cache did. */
function firstGeneration(context, dtype) {
  const params = {
    backend: 'webasm',
    dtype,
    prompt: promptIds(options.promptTokens),
    decodeSteps: options.warmupSteps,
    warmupSteps: options.warmupSteps,
  };
  return runInPage(context, server.url, params, async (page, r) => {
    // the kernels are written when the page yields: give the transactions time to land before closing it
    await page.waitForTimeout(1000);
    return { ttftMs: summarise(r.cold.start, r.cold.times).ttftMs, kernels: r.kernelCache };
  });
}

const rows = [];
try {
  for (const dtype of options.dtypes) {
    const kept = await browser.newContext();
    await firstGeneration(kept, dtype); // fills the kept context's database
    const cached = [];
    const fresh = [];
    for (let i = 0; i < pairs; i++) {
      const c = await firstGeneration(kept, dtype);
      const context = await browser.newContext();
      const f = await firstGeneration(context, dtype).finally(() => context.close());
      log(
        `${model} ${dtype} pair ${i + 1}: read back ${fmt(c.ttftMs, 0)} ms (${c.kernels?.hits} read, ${c.kernels?.misses} compiled), ` +
          `compiled ${fmt(f.ttftMs, 0)} ms (${f.kernels?.misses} compiled)`,
      );
      cached.push(c.ttftMs);
      fresh.push(f.ttftMs);
    }
    await kept.close();
    rows.push({ dtype, cached, fresh });
  }
} finally {
  await close();
  server.close();
}

console.log(
  `| model | weights | first TTFT, kernels compiled (ms) | read back from IndexedDB (ms) | ratio | pairs |`,
);
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
for (const { dtype, cached, fresh } of rows) {
  const c = median(cached);
  const f = median(fresh);
  console.log(`| ${model} | ${dtype} | ${fmt(f, 0)} | ${fmt(c, 0)} | ${fmt(c / f, 2)}× | ${cached.length} |`);
}
