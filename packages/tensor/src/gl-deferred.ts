// gpu.js requires its optional headless-gl addon (`gl`) as it loads, whichever backend is used. In Node, with
// gl installed, that maps the native addon and Mesa's GL libraries (about 10 MiB of resident memory and 40 ms)
// for a backend only `headlessgl` uses. While gpu.js loads (gpujs-module.ts), this answers that one
// `require('gl')` with a function that loads the real addon on its first call: gpu.js calls it only to make a
// headless-gl context, when the headlessgl backend is probed or used. Without gl installed the function
// returns null, which gpu.js takes as "no context": the same silent skip as a failed require.
// Browsers and bundles (no `process.getBuiltinModule`, or no CommonJS loader) are left alone.

type Load = (
  request: string,
  parent: { filename?: string | null } | null | undefined,
  isMain: boolean,
) => unknown;

interface CommonJsLoader {
  _load: Load;
  createRequire(from: string): (id: string) => unknown;
}

type CreateContext = (...args: unknown[]) => unknown;

/** The function that stands for `require('gl')` from `from`: loads the addon on its first call. */
export function deferredGl(load: (id: string) => unknown): CreateContext {
  let real: CreateContext | null | undefined;
  return (...args) => {
    if (real === undefined) {
      try {
        real = load('gl') as CreateContext;
      } catch {
        real = null;
      }
    }
    return typeof real === 'function' ? real(...args) : null;
  };
}

/** Whether `filename` is one of gpu.js's own files. */
const inGpujs = (filename: string | null | undefined) => !!filename && /[\\/]gpu\.js[\\/]/.test(filename);

/**
 * Starts answering gpu.js's `require('gl')` with {@link deferredGl}; returns the function that stops it
 * (call it once gpu.js has loaded). A no-op where there is no CommonJS loader to hook.
 */
export function deferGlWhileGpujsLoads(): () => void {
  const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    ?.getBuiltinModule;
  if (typeof getBuiltin !== 'function') return () => {};
  const loader = getBuiltin('node:module') as CommonJsLoader | undefined;
  const original = loader?._load;
  if (!loader || typeof original !== 'function') return () => {};
  let active = true;
  const hooked: Load = function (this: unknown, request, parent, isMain) {
    if (active && request === 'gl' && inGpujs(parent?.filename)) {
      return deferredGl(loader.createRequire(parent?.filename as string));
    }
    return original.call(this, request, parent, isMain);
  };
  loader._load = hooked;
  return () => {
    active = false;
    // another hook installed after this one keeps working: this one then only passes requests through
    if (loader._load === hooked) loader._load = original;
  };
}
