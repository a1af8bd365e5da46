// Backend selection: probe what this environment offers, pick explicitly (option or GPT2JS_BACKEND) or
// automatically in the order webgpu → webgl2 → headlessgl → webasm → cpu, and say why better ones were skipped.
// An explicitly requested backend that is unavailable is a TensorError, never a silent fallback.

import { readGpujsVersion } from '../codegen/gpujs-version.js';
import { HalfArray } from '../codegen/half-array.js';
import {
  fusedMultiplyAddEnabled,
  fusedMultiplyAddStatus,
  installWebasmCodegen,
  isWebasmCodegenInstalled,
} from '../codegen/index.js';
import { CODEGEN_URL } from '../codegen/install.js';
import { TensorError } from '../errors.js';
import gpujs from '../gpujs-module.js';
import type { Backend, BackendName, BackendReport } from '../types.js';
import {
  BROWSER_STORE_URL,
  DEFAULT_KERNEL_DATABASE,
  openBrowserKernelStore,
} from '../webasm/browser-kernel-store.js';
import { WasmArenaEngine } from '../webasm/engine.js';
import {
  hasNodeFileSystem,
  kernelCacheDirectory,
  openKernelCacheStore,
} from '../webasm/kernel-cache-store.js';
import type { KernelFactory } from '../webasm/program.js';
import { ProgramCache, type ProgramStore } from '../webasm/program-cache.js';
import { PROGRAM_CODE_URL } from '../webasm/program-code.js';
import { describeStreamForm } from '../webasm/stream-step.js';
import { nodeModule, ThreadPool } from '../webasm/thread-pool.js';
import { BaseBackend } from './base.js';
import { GpuJsEngine, type GpuJsEngineOptions } from './gpujs.js';

/** Automatic order, best first. */
export const AUTO_ORDER: readonly BackendName[] = ['webgpu', 'webgl2', 'headlessgl', 'webasm', 'cpu'];
const ALL: readonly BackendName[] = ['webgpu', 'webgl2', 'webgl', 'headlessgl', 'webasm', 'cpu'];

/** Options of {@link createBackend}. */
export interface CreateBackendOptions {
  /** Default 'auto' (overridden by env GPT2JS_BACKEND). */
  backend?: BackendName | 'auto';
  /** webasm worker threads for threaded kernels, 1–64 (default: hardware concurrency). */
  threads?: number;
  /**
   * Where webasm keeps compiled kernels for later processes and page loads, or false for nowhere. Node: a
   * directory; default env GPT2JS_KERNEL_CACHE (a directory, or 0 for none), else
   * `$XDG_CACHE_HOME/gpt2js/kernels` or `~/.cache/gpt2js/kernels`. Browsers: an IndexedDB database name,
   * default `gpt2js-kernels` (used when the package's code generation is bundled into one script).
   */
  kernelCache?: string | false;
}

interface Probe {
  name: BackendName;
  available: boolean;
  reason: string;
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

function env(name: string): string | undefined {
  return typeof process !== 'undefined' ? process.env?.[name] : undefined;
}

async function probe(name: BackendName): Promise<Probe> {
  const no = (reason: string): Probe => ({ name, available: false, reason });
  const GPU = gpujs.GPU;
  try {
    switch (name) {
      case 'webgpu': {
        if (!GPU.isWebGPUSupported) {
          return no(
            isNode
              ? 'no navigator.gpu in Node (WebGPU runs in browsers here)'
              : 'navigator.gpu is missing (browser without WebGPU)',
          );
        }
        if (!(await GPU.isWebGPUAvailable()))
          return no('navigator.gpu exists but requestAdapter() returned no adapter');
        return { name, available: true, reason: 'a WebGPU adapter answered' };
      }
      case 'webgl2':
      case 'webgl': {
        if (isNode) return no(`${name} needs a browser canvas; in Node use headlessgl`);
        const ok = name === 'webgl2' ? GPU.isWebGL2Supported : GPU.isWebGLSupported;
        return ok
          ? { name, available: true, reason: `${name} context with float textures` }
          : no(`no ${name} context with float textures`);
      }
      case 'headlessgl': {
        if (!isNode) return no('headlessgl is Node-only');
        if (!env('DISPLAY'))
          return no(
            'DISPLAY is not set (run under `xvfb-run -a`); gpu.js only uses headless-gl with a display',
          );
        if (!GPU.isHeadlessGLSupported)
          return no(
            "the optional 'gl' module did not load or could not create a context (rebuild gl, check libGL/X)",
          );
        return { name, available: true, reason: `headless-gl context on DISPLAY=${env('DISPLAY')}` };
      }
      case 'webasm':
        return GPU.isWebAssemblySupported
          ? { name, available: true, reason: 'WebAssembly available' }
          : no('WebAssembly is not available in this environment');
      case 'cpu':
        return { name, available: true, reason: 'always available (GPU.js cpu mode, plain JavaScript)' };
    }
  } catch (error) {
    return no(`probe failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Which backends this environment offers, and why the others are not.
 * @example
 * ```ts
 * for (const p of await probeBackends()) console.log(p.name, p.available, p.reason);
 * ```
 */
export function probeBackends(): Promise<{ name: BackendName; available: boolean; reason: string }[]> {
  return Promise.all(ALL.map(probe));
}

/** The codegen extension that makes webasm kernels fast; on an unknown gpu.js → stock gpu.js, with the reason. */
function installCodegen(): { reason: string; installed: boolean; compact?: GpuJsEngineOptions['compact'] } {
  try {
    const status = installWebasmCodegen(gpujs);
    if (!status.installed)
      return { reason: `stock gpu.js code generation: ${status.reason}`, installed: false };
    const compact = compactStorage(status);
    const storage = compact
      ? `; weights stored compactly: int8 ${compact.int8 ? '1 byte' : '4 bytes'}, f16 ${compact.f16 ? '2 bytes' : '4 bytes'} per element`
      : '; int8/f16 weights stored as f32 (4 bytes per element)';
    return {
      reason: `fast code generation: ${status.reason}${storage}; ${fusedMultiplyAddStatus()}`,
      installed: true,
      compact,
    };
  } catch (error) {
    return {
      reason: `stock gpu.js code generation (extension failed: ${error instanceof Error ? error.message : String(error)})`,
      installed: false,
    };
  }
}

/** Which compact weight storages the installed extension reports (absent on builds without them). */
function compactStorage(status: object): GpuJsEngineOptions['compact'] {
  const reported = (status as { compactStorage?: { int8?: boolean; i8?: boolean; f16?: boolean } })
    .compactStorage;
  const int8 = reported?.int8 === true || reported?.i8 === true;
  const f16 = reported?.f16 === true;
  return int8 || f16 ? { int8, f16, HalfArray } : undefined;
}

/** Logical processors: navigator.hardwareConcurrency in browsers, os.availableParallelism() in Node. */
async function hardwareThreads(): Promise<number> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency) return nav.hardwareConcurrency;
  if (isNode) {
    const os = (await nodeModule('node:os')) as typeof import('node:os');
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  return 1;
}

/** The webasm kernel cache asked for: a folder in Node, an IndexedDB database in browsers; none when off or unusable. */
async function programCache(
  option: string | false | undefined,
): Promise<{ cache?: ProgramCache; reason: string }> {
  const opened = await openProgramStore(option);
  if (!opened.store) return { reason: opened.reason };
  const version = readGpujsVersion() ?? 'unknown';
  // the code generator's state when each program compiles (tests switch the extension and FMA at run time)
  const generator = () =>
    `gpu.js ${version}; ${isWebasmCodegenInstalled(gpujs) ? 'extension' : 'stock'}; ${fusedMultiplyAddEnabled() ? 'fma' : 'no fma'}`;
  return { cache: new ProgramCache(opened.store, generator), reason: opened.reason };
}

async function openProgramStore(
  option: string | false | undefined,
): Promise<{ store: ProgramStore | null; reason: string }> {
  if (!hasNodeFileSystem()) {
    if (option === false) return { store: null, reason: 'kernel cache off (kernelCache: false)' };
    const name = typeof option === 'string' && option.trim() !== '' ? option : DEFAULT_KERNEL_DATABASE;
    return openBrowserKernelStore(name, [BROWSER_STORE_URL, CODEGEN_URL, PROGRAM_CODE_URL]);
  }
  const { dir, reason } = kernelCacheDirectory(option);
  return dir ? openKernelCacheStore(dir) : { store: null, reason };
}

/** Builds the backend and checks it computes one small kernel correctly. */
async function instantiate(
  name: BackendName,
  probeReason: string,
  skipped: BackendReport['skipped'],
  options: CreateBackendOptions,
): Promise<Backend> {
  let reason = probeReason;
  let compact: GpuJsEngineOptions['compact'];
  let arena = false;
  if (name === 'webasm') {
    const codegen = installCodegen();
    reason = `${probeReason}; ${codegen.reason}`;
    compact = codegen.compact;
    arena = codegen.installed;
  }
  const gpu = new gpujs.GPU({ mode: name });
  let engine: BaseBackend['engine'];
  if (arena) {
    const threads = options.threads ?? (await hardwareThreads());
    const pool = await ThreadPool.create(threads);
    const kernels = await programCache(options.kernelCache);
    const arenaEngine = new WasmArenaEngine({
      factory: gpu as unknown as KernelFactory,
      Input: gpujs.Input as never,
      pool,
      ...(kernels.cache ? { programCache: kernels.cache } : {}),
    });
    engine = arenaEngine;
    reason += pool
      ? `; ${pool.size} threads over shared WebAssembly memory`
      : `; 1 thread (${threads <= 1 ? 'threads: 1 requested' : 'no SharedArrayBuffer here: cross-origin isolation (COOP/COEP) enables threads'})`;
    reason += `; ${describeStreamForm(arenaEngine.linearForm)}; ${kernels.reason}`;
  } else {
    engine = new GpuJsEngine(name, gpu, { threads: options.threads, compact });
  }
  const backend = new BaseBackend(engine, name, { name, reason, skipped });
  try {
    const t = backend.tensor(Float32Array.of(1.5, -2, 3.25, 4), [2, 2]);
    const values = await t.toArray();
    t.dispose();
    if (values[0] !== 1.5 || values[3] !== 4)
      throw new Error(`round trip returned [${Array.from(values).join(', ')}]`);
  } catch (error) {
    backend.dispose();
    throw error;
  }
  return backend;
}

/**
 * Creates a backend: the one asked for (option, else env GPT2JS_BACKEND), or the best available.
 * @throws TensorError 'backend_unavailable' when an explicitly requested backend cannot run here
 * @example
 * ```ts
 * const backend = await createBackend(); // or { backend: 'webasm' }
 * console.log(backend.report());
 * ```
 */
export async function createBackend(options: CreateBackendOptions = {}): Promise<Backend> {
  let requested = options.backend ?? 'auto';
  const fromEnv = env('GPT2JS_BACKEND');
  let source = 'options.backend';
  if (requested === 'auto' && fromEnv) {
    requested = fromEnv.trim() as BackendName | 'auto';
    source = 'GPT2JS_BACKEND';
  }
  if (requested !== 'auto' && !ALL.includes(requested)) {
    throw new TensorError(
      'invalid_option',
      `createBackend: ${source} must be one of auto, ${ALL.join(', ')}; got '${requested}'`,
    );
  }
  if (
    options.threads !== undefined &&
    (!Number.isInteger(options.threads) || options.threads < 1 || options.threads > 64)
  ) {
    throw new TensorError(
      'invalid_option',
      `createBackend: threads must be an integer in [1, 64], got ${options.threads}`,
    );
  }
  const cacheOption = options.kernelCache as unknown;
  if (
    cacheOption !== undefined &&
    cacheOption !== false &&
    (typeof cacheOption !== 'string' || !cacheOption.trim())
  ) {
    throw new TensorError(
      'invalid_option',
      `createBackend: kernelCache must be a directory path (in browsers, an IndexedDB database name) or false, got ${JSON.stringify(cacheOption)}`,
    );
  }
  if (requested !== 'auto') {
    const p = await probe(requested);
    if (!p.available) {
      throw new TensorError(
        'backend_unavailable',
        `createBackend: backend '${requested}' (from ${source}) is not available: ${p.reason}. Pick another one or use 'auto'`,
      );
    }
    try {
      return await instantiate(requested, `requested by ${source}; ${p.reason}`, [], options);
    } catch (error) {
      throw new TensorError(
        'backend_unavailable',
        `createBackend: backend '${requested}' (from ${source}) failed its self-check: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }
  const skipped: BackendReport['skipped'] = [];
  for (const name of AUTO_ORDER) {
    const p = await probe(name);
    if (!p.available) {
      skipped.push({ name, reason: p.reason });
      continue;
    }
    try {
      return await instantiate(
        name,
        `best available in order ${AUTO_ORDER.join(' → ')}; ${p.reason}`,
        skipped,
        options,
      );
    } catch (error) {
      skipped.push({
        name,
        reason: `failed its self-check: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
  throw new TensorError(
    'backend_unavailable',
    `createBackend: no backend works here: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`,
  );
}
