// The browser entry: no node:* module is reachable from it (import graph of the sources, and of dist when
// built), it exports the same names as the Node entry, and it works end to end over fetch + a Cache API.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as browser from '../src/browser.js';
import * as node from '../src/index.js';
import { type HubServer, startHub } from './helpers/hub-server.js';
import { MemoryCacheStorage } from './helpers/memory-caches.js';

const ROOT = join(import.meta.dirname, '..');
const BUILTINS = new Set(builtinModules);

/** Every module specifier reachable from `entry` through relative imports. */
function importGraph(entry: string, ext: '.ts' | '.js'): { files: string[]; external: string[] } {
  const files = new Set<string>();
  const external = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (fileName.startsWith('.')) visit(resolve(dirname(file), fileName.replace(/\.js$/, ext)));
      else external.add(fileName);
    }
  };
  visit(entry);
  return { files: [...files].map((f) => relative(ROOT, f)).sort(), external: [...external] };
}

describe('browser entry import graph', () => {
  it('reaches no node:* or Node built-in module from src/browser.ts', () => {
    const { files, external } = importGraph(join(ROOT, 'src/browser.ts'), '.ts');
    expect(files).toContain('src/browser/open.ts');
    expect(files.filter((f) => f.startsWith('src/node/'))).toEqual([]);
    expect(external.filter((s) => s.startsWith('node:') || BUILTINS.has(s))).toEqual([]);
    expect(external).toEqual([]);
  });

  it.skipIf(!existsSync(join(ROOT, 'dist/browser.js')))(
    'reaches no node:* module from dist/browser.js',
    () => {
      const { external } = importGraph(join(ROOT, 'dist/browser.js'), '.js');
      expect(external).toEqual([]);
    },
  );

  it('the package maps the browser condition to dist/browser.js and node/default to dist/index.js', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const dot = pkg.exports['.'];
    expect(dot.browser.default).toBe('./dist/browser.js');
    expect([dot.node, dot.default]).toEqual(['./dist/index.js', './dist/index.js']);
    expect(Object.keys(dot)[0]).toBe('browser');
  });

  it('exports the same names as the Node entry', () => {
    expect(Object.keys(browser).sort()).toEqual(Object.keys(node).sort());
    expect(browser.defaultCacheDir()).toBe('gpt2js-hub');
    expect(browser.resolveRepoId('distilgpt2')).toBe('distilbert/distilgpt2');
  });
});

describe('browser entry over fetch + Cache API', () => {
  let hub: HubServer;
  const storage = new MemoryCacheStorage();
  const g = globalThis as { caches?: unknown };
  beforeAll(async () => {
    hub = await startHub();
    g.caches = storage;
  });
  afterAll(async () => {
    delete g.caches;
    await hub.close();
  });
  const options = (extra: browser.HubOptions = {}): browser.HubOptions => ({
    endpoint: hub.endpoint,
    offline: false,
    ...extra,
  });
  const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

  it('downloads through the CDN redirect, verifies, caches, then serves from the cache with no request', async () => {
    const size = hub.files.get('model.safetensors')!.bytes.length;
    const events: browser.DownloadProgress[] = [];
    const file = await browser.openModelFile(
      'test/gpt2-tiny',
      'model.safetensors',
      options({ onProgress: (p) => events.push(p) }),
    );
    expect(sha256(await file.bytes())).toBe(hub.files.get('model.safetensors')!.sha256);
    expect(file.path).toBeUndefined();
    expect(events.at(-1)).toEqual({
      file: 'model.safetensors',
      loaded: size,
      total: size,
      done: true,
      fromCache: false,
    });
    // the verified file is written to the cache while it is read; close() waits for the write
    await file.close();
    const start = hub.requests.length;
    const warm = await browser.openModelFile(
      'test/gpt2-tiny',
      'model.safetensors',
      options({ offline: true }),
    );
    expect(Buffer.from(await warm.read(100, 50))).toEqual(
      hub.files.get('model.safetensors')!.bytes.subarray(100, 150),
    );
    expect(hub.requests.length).toBe(start);
  });

  it('discards a corrupt download without caching it', async () => {
    const error = await browser.openModelFile('test/corrupt', 'model.safetensors', options()).catch((e) => e);
    expect(`${error.code}: ${error.message}`).toMatch(
      /^integrity: model\.safetensors: download discarded, sha256 is /,
    );
    const cached = [...(storage.caches.get('gpt2js-hub')?.keys() ?? [])];
    expect(cached.filter((u) => u.includes('test/corrupt'))).toEqual([]);
  });

  it('refuses local directories, cold offline loads and off-host redirects from non-resolve URLs', async () => {
    expect((await browser.openModelFile('./models/x', 'config.json').catch((e) => e)).code).toBe(
      'unsupported',
    );
    expect(
      (
        await browser
          .openModelFile('test/gpt2-tiny', 'vocab.json', options({ offline: true }))
          .catch((e) => e)
      ).code,
    ).toBe('offline');
    expect(
      (await browser.openModelFile(`${hub.endpoint}/plain`, 'config.json', options()).catch((e) => e)).code,
    ).toBe('redirect_refused');
  });

  it('remembers a 404 so tryOpenModelFile answers undefined offline', async () => {
    expect(await browser.tryOpenModelFile('test/gpt2-tiny', 'absent.json', options())).toBeUndefined();
    expect(
      await browser.tryOpenModelFile('test/gpt2-tiny', 'absent.json', options({ offline: true })),
    ).toBeUndefined();
  });
});
