// For the scripts that drive the benchmark page themselves (kernel-cache.mjs, load.mjs): the page built and
// served with the first BENCH_BROWSER_MODEL, and one run of window.__bench in a new page of a given context.
import { join } from 'node:path';
import { buildPage } from './build-page.mjs';
import { modelDir } from './model-dir.mjs';
import { serve } from './server.mjs';

/** Builds the page into the cache folder and serves it with `options.models[0]`. */
export async function servePage(options, log) {
  const pageDir = join(options.cacheDir, 'browser-page');
  await buildPage(pageDir);
  const model = options.models[0];
  const server = await serve({ pageDir, modelDir: await modelDir(model, options, log) });
  return { model, server };
}

/**
 * Opens the page in a new page of `context`, runs window.__bench.run(params), and returns what
 * `inspect(page, result)` returns (default: the result) before closing the page; a failed run throws.
 */
export async function runInPage(context, url, params, inspect = async (_page, result) => result) {
  const page = await context.newPage();
  try {
    await page.goto(url);
    await page.waitForFunction(() => window.__bench !== undefined);
    const result = await page.evaluate((p) => window.__bench.run(p), params);
    if (!result.ok) throw new Error(`${result.phase} failed: ${result.error}`);
    return await inspect(page, result);
  } finally {
    await page.close();
  }
}
