// Runs the conformance suite in headless Chromium (SwiftShader for webgl2/webgpu) on webasm, webgl2 and webgpu:
// bundles test/browser/entry.ts with Vite, serves it on 127.0.0.1 with COOP/COEP, drives Chromium via
// playwright-core. Skipped with a reason when chromium is absent, unless GPT2JS_REQUIRE_BACKENDS has 'browser'.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlaywright, loadVite } from './deps.js';

const here = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const required = (process.env.GPT2JS_REQUIRE_BACKENDS ?? '')
  .split(',')
  .map((s) => s.trim())
  .includes('browser');
const missing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not found (apt-get install chromium)`;

const suite = missing && !required ? describe.skip : describe;

suite(`browser conformance${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let server: Server;
  let url: string;
  let out: string;
  let browser: import('playwright-core').Browser;
  let profile: string;

  beforeAll(async () => {
    if (missing) throw new Error(`browser required by GPT2JS_REQUIRE_BACKENDS but ${missing}`);
    out = mkdtempSync(join(tmpdir(), 'gpt2js-tensor-browser-'));
    const vite = await loadVite();
    await vite.build({
      configFile: false,
      logLevel: 'error',
      build: {
        outDir: out,
        emptyOutDir: false,
        minify: false,
        lib: { entry: join(here, 'entry.ts'), formats: ['es'], fileName: () => 'suite.js' },
        rollupOptions: { output: { inlineDynamicImports: true } },
      },
    });
    const files: Record<string, { body: Buffer; type: string }> = {
      '/': { body: readFileSync(join(here, 'index.html')), type: 'text/html' },
      '/suite.js': { body: readFileSync(join(out, 'suite.js')), type: 'text/javascript' },
    };
    server = createServer((req, res) => {
      const file = files[(req.url ?? '/').split('?')[0]];
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
      if (!file) {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.setHeader('Content-Type', file.type);
      res.end(file.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
    profile = mkdtempSync(join(tmpdir(), 'gpt2js-chromium-'));
    const { chromium } = await loadPlaywright();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      ignoreDefaultArgs: true,
      args: [
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
        '--remote-debugging-pipe',
      ],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
    if (out) rmSync(out, { recursive: true, force: true });
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  for (const name of ['webasm', 'webgl2', 'webgpu'] as const) {
    it(`passes every conformance case on ${name}`, async () => {
      const page = await browser.newPage();
      try {
        await page.goto(url);
        await page.waitForFunction(() => typeof window.runSuite === 'function');
        const isolated = await page.evaluate(() => globalThis.crossOriginIsolated);
        expect(isolated).toBe(true);
        const { backend, reason, threads, workerChunks, results } = await page.evaluate(
          (n) => window.runSuite(n),
          name,
        );
        expect(backend).toBe(name);
        // the bundled package carries its WebAssembly code generation (no dynamic import a bundler could miss)
        if (name === 'webasm') expect(reason).toContain('fast code generation');
        // the prefill kernel's form is chosen from the page's V8 (Chromium's user agent)
        if (name === 'webasm')
          expect(reason).toMatch(/linear kernels: [24] weight streams per step \(V8 \d+\)/);
        // with two threads the page's Web Worker must really take chunks (a worker that dies on its source,
        // as one did when a bundler renamed a function it embeds, leaves every call to the main thread)
        if (name === 'webasm' && threads > 1) expect(workerChunks).toBeGreaterThan(0);
        const failures = results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.error}`);
        expect(failures).toEqual([]);
        expect(results.length).toBeGreaterThan(40);
      } finally {
        await page.close();
      }
    }, 300_000);
  }

  it('keeps compiled webasm kernels in IndexedDB across page loads', async () => {
    const database = 'gpt2js-kernels-test';
    // one context: pages of one profile share IndexedDB (browser.newPage would give each its own)
    const context = await browser.newContext();
    const run = async (option: string | false) => {
      const page = await context.newPage();
      try {
        await page.goto(url);
        await page.waitForFunction(() => typeof window.kernelCacheRun === 'function');
        const result = await page.evaluate((o) => window.kernelCacheRun(o), option);
        // the records are written in transactions of their own after the compiles: wait until they landed
        const until = Date.now() + 10_000;
        let records = 0;
        while (Date.now() < until) {
          records = await page.evaluate((d) => window.kernelCacheRecords(d), database);
          if (records >= (result.stats?.writes ?? 0)) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        return { ...result, records };
      } finally {
        await page.close();
      }
    };
    try {
      const first = await run(database);
      expect(first.reason).toContain(`kernel cache IndexedDB ${database}`);
      expect(first.stats?.hits).toBe(0);
      expect(first.stats?.misses).toBeGreaterThanOrEqual(6);
      expect(first.stats?.writes).toBe(first.stats?.misses);
      expect(first.records).toBe(first.stats?.writes);
      // a new page compiles nothing and computes the same bits
      const second = await run(database);
      expect(second.stats).toEqual({
        where: `IndexedDB ${database}`,
        hits: first.stats?.writes,
        misses: 0,
        writes: 0,
      });
      expect(second.values).toEqual(first.values);
      const off = await run(false);
      expect(off.reason).toContain('kernel cache off (kernelCache: false)');
      expect(off.stats).toBeUndefined();
      expect(off.values).toEqual(first.values);
    } finally {
      await context.close();
    }
  }, 120_000);
});
