// The kernel cache's folder in Node (src/webasm/kernel-cache-store.ts): where it is (option, environment,
// XDG, home), entries written whole under their final name only, least recently used entries pruned, the
// digest of this package's code, and a folder that cannot be used.

import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { kernelCacheDirectory, openKernelCacheStore } from '../src/webasm/kernel-cache-store.js';

const saved = { cache: process.env.GPT2JS_KERNEL_CACHE, xdg: process.env.XDG_CACHE_HOME };
const restore = (name: string, value: string | undefined) => {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
};

describe('kernel cache folder', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpt2js-kc-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    restore('GPT2JS_KERNEL_CACHE', saved.cache);
    restore('XDG_CACHE_HOME', saved.xdg);
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('is the option, else GPT2JS_KERNEL_CACHE, else XDG_CACHE_HOME or ~/.cache', () => {
    process.env.GPT2JS_KERNEL_CACHE = '/tmp/from-env';
    process.env.XDG_CACHE_HOME = '/tmp/xdg';
    expect(kernelCacheDirectory('relative/kernels').dir).toBe(resolve('relative/kernels'));
    expect(kernelCacheDirectory().dir).toBe('/tmp/from-env');
    delete process.env.GPT2JS_KERNEL_CACHE;
    expect(kernelCacheDirectory().dir).toBe('/tmp/xdg/gpt2js/kernels');
    delete process.env.XDG_CACHE_HOME;
    expect(kernelCacheDirectory().dir).toBe(join(homedir(), '.cache', 'gpt2js', 'kernels'));
  });

  it('is off with the option false or GPT2JS_KERNEL_CACHE=0, and says why', () => {
    expect(kernelCacheDirectory(false)).toEqual({
      dir: null,
      reason: 'kernel cache off (kernelCache: false)',
    });
    for (const off of ['0', 'off', 'false', 'no']) {
      process.env.GPT2JS_KERNEL_CACHE = off;
      expect(kernelCacheDirectory()).toEqual({
        dir: null,
        reason: `kernel cache off (GPT2JS_KERNEL_CACHE=${off})`,
      });
    }
  });

  it('writes entries whole under their final name and reads them back', () => {
    const dir = join(fresh(), 'nested', 'kernels');
    const { store, reason } = openKernelCacheStore(dir);
    expect(reason).toBe(`kernel cache ${dir}`);
    if (!store) throw new Error('no store');
    expect(store.read('missing')).toBeUndefined();
    const bytes = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) & 255);
    store.write('abc', bytes);
    store.write('abc', bytes);
    store.write('def', bytes.subarray(0, 10));
    expect(readdirSync(dir).sort()).toEqual(['abc.wasmkernel', 'def.wasmkernel']);
    expect(Array.from(store.read('abc') ?? [])).toEqual(Array.from(bytes));
    expect(store.read('def')?.length).toBe(10);
    expect(store.digest('x')).toMatch(/^[0-9a-f]{64}$/);
    expect(store.digest('x')).not.toBe(store.digest('y'));
  });

  it('digests this package’s code: 64 hex digits, the same for every store', () => {
    const a = openKernelCacheStore(fresh()).store;
    const b = openKernelCacheStore(fresh()).store;
    expect(a?.codeDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(a?.codeDigest).toBe(b?.codeDigest);
  });

  it('removes the least recently used entries beyond its limit when it opens', () => {
    const dir = fresh();
    const now = Date.now() / 1000;
    for (let i = 0; i < 12; i++) {
      const file = join(dir, `e${String(i).padStart(2, '0')}.wasmkernel`);
      writeFileSync(file, 'x');
      utimesSync(file, now - 1000 + i, now - 1000 + i);
    }
    writeFileSync(join(dir, 'README'), 'not an entry');
    const { store } = openKernelCacheStore(dir, 8);
    expect(store).not.toBeNull();
    expect(readdirSync(dir).sort()).toEqual([
      'README',
      ...['06', '07', '08', '09', '10', '11'].map((i) => `e${i}.wasmkernel`),
    ]);
    // a read refreshes an entry's time: it survives the next pruning, the untouched oldest do not
    store?.read('e06');
    for (let i = 12; i < 16; i++) writeFileSync(join(dir, `e${i}.wasmkernel`), 'x');
    openKernelCacheStore(dir, 8);
    const left = readdirSync(dir).filter((n) => n.endsWith('.wasmkernel'));
    expect(left).toHaveLength(6);
    expect(left).toContain('e06.wasmkernel');
    expect(left).not.toContain('e07.wasmkernel');
  });

  it('is off, with the reason, when its folder cannot be made', () => {
    const file = join(fresh(), 'a-file');
    writeFileSync(file, 'x');
    const { store, reason } = openKernelCacheStore(join(file, 'kernels'));
    expect(store).toBeNull();
    expect(reason).toMatch(/^kernel cache off \(.*a-file\/kernels is not usable: /);
  });
});
