// How long the browser benchmark's page takes to load the model (`fromPretrained` from the page's origin,
// webasm) on a first visit (download, verify, write to the Cache API) and on a returning one (read from the
// Cache API), in a persistent Chromium profile: run.mjs's samples use a fresh, off-the-record context each,
// where the Cache API keeps nothing this large, so they always measure a download.
// Medians per storage on stdout; each round's figures on stderr.
// Run from the repository root: `node bench/browser/load.mjs`; the run.mjs options apply (model, storages,
// Chromium), with BENCH_BROWSER_ROUNDS rounds (a fresh profile each, at least 2).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { fmt, median } from '../lib/stats.mjs';
import { promptIds } from '../lib/workload.mjs';
import { optionsFromEnv } from './options.mjs';
import { runInPage, servePage } from './page-runs.mjs';

const BENCH = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const log = (message) => process.stderr.write(`[bench:load] ${message}\n`);

const options = optionsFromEnv(process.env, BENCH);
const rounds = Math.max(2, options.rounds);
const { model, server } = await servePage(options, log);

/** One visit: the page's load time, and whether the weights came from the Cache API. */
function visit(context, dtype) {
  const params = { backend: 'webasm', dtype, prompt: promptIds(8), decodeSteps: 1, warmupSteps: 1 };
  return runInPage(context, server.url, params, async (page, r) => {
    const cached = await page.evaluate(async () => {
      const cache = await caches.open('gpt2js-hub');
      return (await cache.keys()).some((request) => request.url.endsWith('/model.safetensors'));
    });
    return { loadMs: r.loadMs, cached };
  });
}

const rows = [];
for (const dtype of options.dtypes) {
  const first = [];
  const returning = [];
  for (let round = 1; round <= rounds; round++) {
    const profile = mkdtempSync(join(tmpdir(), 'gpt2js-bench-load-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: options.chromium,
      headless: true,
      args: ['--no-sandbox', ...options.chromiumArgs],
    });
    try {
      const a = await visit(context, dtype);
      const b = await visit(context, dtype);
      if (!a.cached) throw new Error('the first visit left model.safetensors out of the Cache API');
      log(
        `${model} ${dtype} round ${round}: first visit ${fmt(a.loadMs, 0)} ms, returning ${fmt(b.loadMs, 0)} ms`,
      );
      first.push(a.loadMs);
      returning.push(b.loadMs);
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }
  rows.push({ dtype, first, returning });
}
server.close();

console.log('| model | weights | load, first visit (ms) | load, returning visit (ms) | rounds |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const { dtype, first, returning } of rows) {
  console.log(
    `| ${model} | ${dtype} | ${fmt(median(first), 0)} | ${fmt(median(returning), 0)} | ${first.length} |`,
  );
}
