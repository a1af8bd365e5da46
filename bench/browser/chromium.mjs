// One benchmark sample in a fresh headless Chromium (fresh profile, so no Cache API entry, compiled shader
// or GPU process state carries over between samples): open the page, call window.__bench.run(params), and
// give up after the timeout. Flags from shared/GPUJS-NOTES.md: --enable-unsafe-webgpu is what makes Dawn
// expose its (SwiftShader) adapter; --enable-unsafe-swiftshader keeps software WebGL without a deprecation.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

function launchArgs(profile, extra) {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--enable-unsafe-webgpu',
    '--enable-unsafe-swiftshader',
    `--user-data-dir=${profile}`,
    // ignoreDefaultArgs drops Playwright's own, and it talks to the browser over this pipe
    '--remote-debugging-pipe',
    ...extra,
  ];
}

/** Launches Chromium; a failure here is a harness failure (the caller lets it throw). */
export async function launch({ executablePath, extraArgs }) {
  const profile = mkdtempSync(join(tmpdir(), 'gpt2js-bench-chromium-'));
  try {
    const browser = await chromium.launch({
      executablePath,
      ignoreDefaultArgs: true,
      args: launchArgs(profile, extraArgs),
      timeout: 60_000,
    });
    return {
      browser,
      async close() {
        // a page still spinning in a kernel must not hold the run: close, or give up on it after 20 s
        await Promise.race([
          browser.close().catch(() => {}),
          new Promise((r) => setTimeout(r, 20_000).unref()),
        ]);
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Runs one sample.
 * @returns {Promise<{ ok: boolean, timedOut?: boolean, error?: string, page?: object, chromium: string, console: string[] }>}
 *   `page` is what window.__bench.run returned (it has its own ok/error for failures inside the page)
 */
export async function runSample({ url, params, timeoutMs, executablePath, extraArgs, log }) {
  const { browser, close } = await launch({ executablePath, extraArgs });
  const consoleLines = [];
  let lastProgress = 'none';
  let state; // the page's [bench-state] line: environment and backend report, before the result
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  let timer;
  try {
    const page = await browser.newPage();
    page.on('console', (m) => {
      const text = m.text();
      consoleLines.push(`${m.type()}: ${text}`);
      if (text.startsWith('[bench-state] ')) state = JSON.parse(text.slice(14));
      else if (text.startsWith('[bench] ')) {
        lastProgress = `${text.slice(8)} (at ${elapsed()})`;
        log(`  ${lastProgress}`);
      }
    });
    page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
    const work = (async () => {
      await page.goto(url);
      await page.waitForFunction(() => window.__bench !== undefined, null, { timeout: 60_000 });
      return page.evaluate((p) => window.__bench.run(p), params);
    })();
    const timeout = new Promise((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([
      work.then(
        (r) => ({ r }),
        (e) => ({ e }),
      ),
      timeout,
    ]);
    const base = { chromium: browser.version(), console: consoleLines };
    if (outcome === 'timeout') {
      return {
        ...base,
        ok: false,
        timedOut: true,
        page: state,
        error: `timed out after ${timeoutMs / 1000} s (BENCH_BROWSER_TIMEOUT_S); last progress: ${lastProgress}`,
      };
    }
    if (outcome.e)
      return {
        ...base,
        ok: false,
        error: `page failed: ${String(outcome.e.message ?? outcome.e).split('\n')[0]}`,
      };
    return {
      ...base,
      ok: outcome.r.ok,
      page: outcome.r,
      ...(outcome.r.ok ? {} : { error: `${outcome.r.phase} failed: ${outcome.r.error}` }),
    };
  } finally {
    clearTimeout(timer);
    await close();
  }
}
