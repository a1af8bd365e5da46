// End to end in headless Debian Chromium (playwright-core): build the page, serve it on loopback with
// COOP/COEP, generate greedily on the embedded model, and check the streamed text against the PyTorch
// reference, the heatmap and module tree drawn, the backend and tokens/s shown. Saves a screenshot.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DIR, loadReference } from './fixtures.js';
import { serveStatic } from './static-server.js';

const CHROMIUM = '/usr/bin/chromium';
const required = (process.env.GPT2JS_REQUIRE_BACKENDS ?? '').split(/[\s,]+/).includes('browser');
const available = existsSync(CHROMIUM);
if (!available && required) {
  throw new Error(
    `GPT2JS_REQUIRE_BACKENDS includes "browser" but ${CHROMIUM} is missing (apt-get install chromium)`,
  );
}
const SKIP_REASON = `${CHROMIUM} is missing (apt-get install chromium; set GPT2JS_REQUIRE_BACKENDS=browser to fail instead)`;

const ref = loadReference();
const TOL = ref.tolerance.logits_abs;
// A case whose greedy continuation has no near-tie and no EOS, so the whole text is determined.
const CASE = ref.cases.find(
  (c) =>
    c.greedy_margins.every((m) => m > TOL) && !c.greedy_ids.includes(50256) && c.prompt.startsWith('Once'),
)!;

describe.skipIf(!available)(
  `demo page in headless Chromium${available ? '' : ` (skipped: ${SKIP_REASON})`}`,
  () => {
    let outDir: string;
    let profile: string;
    let server: { url: string; close: () => Promise<void> };
    let browser: Browser;
    let page: Page;
    const consoleLines: string[] = [];

    beforeAll(async () => {
      outDir = mkdtempSync(join(tmpdir(), 'gpt2js-demo-web-'));
      await build({
        configFile: join(DEMO_DIR, 'vite.config.ts'),
        logLevel: 'warn',
        build: { outDir, emptyOutDir: true },
      });
      server = await serveStatic(outDir);
      profile = mkdtempSync(join(tmpdir(), 'gpt2js-chromium-'));
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
      page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
      page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
    }, 240_000);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
      for (const dir of [outDir, profile]) if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('is cross-origin isolated, loads the embedded model and shows the backend', async () => {
      await page.goto(server.url);
      await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', { timeout: 120_000 });
      const state = await page.getAttribute('body', 'data-state');
      expect(state, `${await page.textContent('#status')}\n${consoleLines.join('\n')}`).toBe('ready');
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      expect(await page.textContent('#backend')).toMatch(/^backend: (webgpu|webgl2|webgl|webasm|cpu)$/);
      expect(await page.textContent('#backend-reason')).not.toBe('');
      expect(await page.textContent('#config')).toContain('"n_embd": 128');
    }, 150_000);

    it('streams the greedy continuation of the reference, then draws candidates, heatmap and module tree', async () => {
      await page.fill('#prompt', CASE.prompt);
      await page.check('#greedy');
      await page.fill('#max-new-tokens', String(CASE.greedy_ids.length));
      const streamed: string[] = [];
      await page.exposeFunction('__recordGenerated', (t: string) => streamed.push(t));
      await page.evaluate(() => {
        const el = document.getElementById('generated')!;
        new MutationObserver(() =>
          (window as unknown as { __recordGenerated: (t: string) => void }).__recordGenerated(
            el.textContent ?? '',
          ),
        ).observe(el, { childList: true, characterData: true, subtree: true });
      });
      await page.click('#generate');
      await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 200_000 });
      expect(
        await page.getAttribute('body', 'data-state'),
        `${await page.textContent('#status')}\n${consoleLines.join('\n')}`,
      ).toBe('done');

      expect(await page.textContent('#prompt-echo')).toBe(CASE.prompt);
      expect(await page.textContent('#generated')).toBe(CASE.greedy_text);
      // streamed: the text grew in several steps, each a prefix of the final text
      expect(streamed.length).toBeGreaterThan(5);
      for (const s of streamed) expect(CASE.greedy_text.startsWith(s)).toBe(true);
      expect(await page.textContent('#status')).toBe(`done: ${CASE.greedy_ids.length} tokens (length)`);
      expect(Number(await page.textContent('#tokens-per-second'))).toBeGreaterThan(0);

      // candidate bars of the last step: the chosen one is the last greedy token, with the largest bar
      const chosen = await page.$$eval('.cand-bar.chosen', (els) => els.length);
      expect(chosen).toBe(1);
      expect(await page.$$eval('.cand-token', (els) => els.length)).toBe(10);

      // heatmap: drawn, with many colours; one chip per token (prompt + generated)
      const pixels = await page.evaluate(() => {
        const c = document.getElementById('heatmap') as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        const colours = new Set<number>();
        let painted = 0;
        for (let i = 0; i < d.length; i += 4) {
          if (d[i + 3] > 0) painted++;
          colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
        }
        return { painted, total: d.length / 4, colours: colours.size };
      });
      expect(pixels.painted).toBe(pixels.total);
      expect(pixels.colours).toBeGreaterThan(20);
      expect(await page.$$eval('#tokens .tok', (els) => els.length)).toBe(
        CASE.ids.length + CASE.greedy_ids.length,
      );
      expect(await page.$$eval('#head-thumbs canvas', (els) => els.length)).toBe(4);
      expect(await page.$$eval('#attn-layer option', (els) => els.length)).toBe(4);

      // choosing a token redraws its row: the chips' shading follows that token's attention
      await page.click(`#tokens .tok >> nth=${CASE.ids.length}`);
      expect(await page.$$eval('#tokens .tok.selected', (els) => els.map((e) => e.textContent))).toHaveLength(
        1,
      );

      // module tree: the HF print of GPT2LMHeadModel as nested <details>
      const tree = await page.textContent('#module-tree');
      for (const part of [
        'GPT2LMHeadModel',
        '(transformer) GPT2Model',
        '(wte) Embedding(50257, 128)',
        '(0-3) 4 x GPT2Block',
        '(c_attn) Conv1D(nf=384, nx=128)',
        '(lm_head) Linear(in_features=128, out_features=50257, bias=False)',
      ]) {
        expect(tree).toContain(part);
      }
      expect(await page.$$eval('#module-tree details', (els) => els.length)).toBe(6); // model, transformer, h, block, attn, mlp
      expect(await page.textContent('#param-count')).toBe('7,259,008 parameters');

      mkdirSync(join(DEMO_DIR, 'test-results'), { recursive: true });
      await page.screenshot({ path: join(DEMO_DIR, 'test-results', 'demo-page.png'), fullPage: true });
    }, 240_000);

    it('keeps webasm kernels in IndexedDB: the built page holds the code generation in one script', async () => {
      const webasm = await browser.newPage();
      try {
        await webasm.goto(`${server.url}?backend=webasm`);
        await webasm.waitForSelector('body[data-state="ready"], body[data-state="error"]', {
          timeout: 120_000,
        });
        expect(await webasm.textContent('#backend')).toBe('backend: webasm');
        expect(await webasm.textContent('#backend-reason')).toContain(
          'kernel cache IndexedDB gpt2js-kernels',
        );
      } finally {
        await webasm.close();
      }
    }, 150_000);
  },
);
