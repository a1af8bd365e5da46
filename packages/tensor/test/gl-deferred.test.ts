// gpu.js's `require('gl')` deferred until a headless-gl context is made (src/gl-deferred.ts): the stand-in
// loads the addon once, on its first call, and answers null without it; the loader hook answers only gpu.js's
// request and comes off; and in a fresh Node process the built package runs webasm without loading gl, then
// headlessgl with it (where gl is installed and a display is set, as in CI).

import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deferGlWhileGpujsLoads, deferredGl } from '../src/gl-deferred.js';

const require = createRequire(import.meta.url);
const Module = require('node:module') as { _load: (...args: unknown[]) => unknown };

/** Whether gl resolves from gpu.js (its optional dependency built). */
function glInstalled(): boolean {
  try {
    createRequire(require.resolve('gpu.js')).resolve('gl');
    return true;
  } catch {
    return false;
  }
}

describe('deferred gl', () => {
  it('loads the addon on the first call only, and passes the arguments through', () => {
    const loads: string[] = [];
    const made: unknown[][] = [];
    const gl = deferredGl((id) => {
      loads.push(id);
      return (...args: unknown[]) => {
        made.push(args);
        return { context: made.length };
      };
    });
    expect(loads).toEqual([]);
    expect(gl(2, 2, { preserveDrawingBuffer: true })).toEqual({ context: 1 });
    expect(gl(1, 1)).toEqual({ context: 2 });
    expect(loads).toEqual(['gl']);
    expect(made).toEqual([
      [2, 2, { preserveDrawingBuffer: true }],
      [1, 1],
    ]);
  });

  it('answers null, once tried, where the addon does not load (gpu.js: no context)', () => {
    let tries = 0;
    const gl = deferredGl(() => {
      tries++;
      throw new Error("Cannot find module 'gl'");
    });
    expect(gl(2, 2)).toBeNull();
    expect(gl(2, 2)).toBeNull();
    expect(tries).toBe(1);
  });

  it('hooks only gpu.js’s own require of gl, and comes off', () => {
    const original = Module._load;
    const end = deferGlWhileGpujsLoads();
    try {
      expect(Module._load).not.toBe(original);
      const fromGpujs = { filename: '/somewhere/node_modules/gpu.js/src/backend/headless-gl/kernel.js' };
      expect(typeof Module._load('gl', fromGpujs, false)).toBe('function');
      expect(Module._load('node:os', fromGpujs, false)).toBe(require('node:os'));
      // anyone else's require of gl gets what Node's loader answers, not a stand-in
      const elsewhere = { filename: fileURLToPath(import.meta.url), paths: require.resolve.paths('gl') };
      const attempt = (load: () => unknown) => {
        try {
          return { value: load() };
        } catch (error) {
          return { error: (error as Error).message };
        }
      };
      expect(attempt(() => Module._load('gl', elsewhere, false))).toEqual(
        attempt(() => original.call(Module, 'gl', elsewhere, false)),
      );
    } finally {
      end();
    }
    expect(Module._load).toBe(original);
  });

  it.skipIf(!glInstalled())(
    'a fresh process runs webasm without loading gl, and headlessgl (with a display) loading it',
    () => {
      const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
      const script = `
        import { createRequire } from 'node:module';
        const cache = createRequire(import.meta.url).cache;
        const glLoaded = () => Object.keys(cache).some((f) => /[\\\\/]node_modules[\\\\/]gl[\\\\/]/.test(f));
        const t = await import(${JSON.stringify(dist)});
        const out = {};
        const wasm = await t.createBackend({ backend: 'webasm', threads: 1, kernelCache: false });
        const x = wasm.tensor(Float32Array.of(1, 2, 3, 4), [2, 2]);
        out.webasm = Array.from(await t.add(x, x).toArray());
        out.glAfterWebasm = glLoaded();
        wasm.dispose();
        if (process.env.DISPLAY) {
          const gl = await t.createBackend({ backend: 'headlessgl' });
          const y = gl.tensor(Float32Array.of(1, 2, 3, 4), [2, 2]);
          out.headlessgl = Array.from(await t.add(y, y).toArray());
          out.glAfterHeadlessgl = glLoaded();
          gl.dispose();
        }
        console.log(JSON.stringify(out));`;
      const out = JSON.parse(
        execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim(),
      );
      expect(out.webasm).toEqual([2, 4, 6, 8]);
      expect(out.glAfterWebasm).toBe(false);
      if (process.env.DISPLAY) {
        expect(out.headlessgl).toEqual([2, 4, 6, 8]);
        expect(out.glAfterHeadlessgl).toBe(true);
      }
    },
  );
});
