// Installs (and, for tests and benchmarks, removes) the WebAssembly code-generation extension on the
// gpu.js module it is handed: a version check, a structural fingerprint check, then method overrides
// on `WebAssemblyFunctionNode.prototype`, `WebAssemblyKernel.prototype` and `utils`, all together or
// none. Nothing is written to disk; the originals are kept on the function-node prototype under a
// registry symbol so a second install is a no-op and uninstall restores every one of them.
import { makeCompactFlatLoad } from './compact-load.js';
import { makeCompactFlatten, makeCompactLayout, makeStorageSignature } from './compact-storage.js';
import { makeContiguousGather } from './contiguous-load.js';
import { findFingerprintMismatches, KNOWN_GPUJS_VERSION } from './fingerprints.js';
import { makeFusedMultiplyAdd } from './fused-multiply-add.js';
import type { AnyMethod, GpujsModule } from './gpujs-internals.js';
import { readGpujsVersion } from './gpujs-version.js';
import type { decodeHalfArray, HalfArray } from './half-array.js';
import { makeInductionFor, makeInductionVectorFor } from './induction-pointers.js';
import { makeIntCounterDeclaration, makeIntCounterVarying } from './int-counters.js';
import { makePairDot } from './pair-dot.js';
import { makeSplatLoad } from './splat-load.js';
import { switchedOffBy } from './switches.js';
import {
  makeThreadLocalsScalarRead,
  makeThreadLocalsVectorRead,
  makeThreadLocalsWalk,
} from './thread-locals.js';

const INSTALLED = Symbol.for('gpt2js.webasmCodegen');

/** This module's URL (the browser kernel cache needs the code generation in one script: browser-kernel-store.ts). */
export const CODEGEN_URL = import.meta.url;

/** What {@link installWebasmCodegen} did, and why. */
export interface WebasmCodegenStatus {
  /** true when the extension is active on this gpu.js (now or from an earlier call) */
  installed: boolean;
  /** one sentence: what happened and why */
  reason: string;
  /** gpu.js version as read from its package.json ('unknown' where it cannot be read, e.g. browsers) */
  version: string;
  /**
   * Whether webasm kernels store Int8Array inputs at 1 byte and {@link HalfArray} inputs at 2 bytes per
   * element (both true exactly when `installed`). When `f16` is false, pass halves as f32
   * ({@link decodeHalfArray}): stock gpu.js would read a HalfArray's bit patterns as numbers. An
   * Int8Array is always safe: stock gpu.js reads the same values from 4-byte slots.
   */
  compactStorage: { int8: boolean; f16: boolean };
}

/** Test and benchmark hooks; the package itself calls the installer with no options. */
export interface WebasmCodegenOptions {
  /** overrides the version read from gpu.js's package.json (simulates another gpu.js) */
  gpujsVersion?: string;
  /** where the one warning line goes (default console.warn) */
  warn?: (line: string) => void;
}

type HookTarget = 'functionNode' | 'kernel' | 'utils';

interface Hook {
  target: HookTarget;
  name: string;
  make: (original: AnyMethod, gpujs: GpujsModule) => AnyMethod;
}

/** Every method the extension replaces; fingerprints.ts checks each before any is touched. */
const HOOKS: Hook[] = [
  { target: 'functionNode', name: 'vGather', make: makeContiguousGather },
  { target: 'functionNode', name: 'stmtVariableDeclaration', make: makeIntCounterDeclaration },
  { target: 'functionNode', name: 'vDeclareVarying', make: makeIntCounterVarying },
  { target: 'functionNode', name: 'emitFlatLoad', make: makeCompactFlatLoad },
  { target: 'functionNode', name: 'emitFunction', make: makeThreadLocalsWalk },
  { target: 'functionNode', name: 'emitVectorFunction', make: makeThreadLocalsWalk },
  { target: 'functionNode', name: 'exprMember', make: makeThreadLocalsScalarRead },
  { target: 'functionNode', name: 'vexprMember', make: makeThreadLocalsVectorRead },
  { target: 'functionNode', name: 'stmtFor', make: makeInductionFor },
  { target: 'functionNode', name: 'vstmtFor', make: makeInductionVectorFor },
  // one override, three changes: integer pair dot products, else fused multiply-adds (relaxed SIMD),
  // else splatted uniform loads, else stock
  {
    target: 'functionNode',
    name: 'vexprBinary',
    make: (original) => makePairDot(makeFusedMultiplyAdd(makeSplatLoad(original))),
  },
  { target: 'kernel', name: 'computeLayout', make: makeCompactLayout },
  { target: 'kernel', name: '_computeSizeSignature', make: makeStorageSignature },
  { target: 'utils', name: 'flattenTo', make: makeCompactFlatten },
];

interface InstalledRecord {
  originals: { target: Record<string | symbol, unknown>; name: string; method: AnyMethod }[];
}

const NO_COMPACT = { int8: false, f16: false } as const;
const COMPACT = { int8: true, f16: true } as const;

function targetOf(module: GpujsModule, target: HookTarget): Record<string | symbol, unknown> {
  if (target === 'functionNode') return module.WebAssemblyFunctionNode.prototype;
  if (target === 'kernel') return module.WebAssemblyKernel.prototype;
  return module.utils;
}

let warned = false;

function warnOnce(line: string, warn: (line: string) => void): void {
  if (warned) return;
  warned = true;
  warn(line);
}

function disabledBySwitch(): string | null {
  const by = switchedOffBy('GPT2JS_WEBASM_CODEGEN');
  return by ? `disabled by ${by}` : null;
}

function resolveModule(gpujs: unknown): Partial<GpujsModule> {
  const candidate = (gpujs ?? {}) as Partial<GpujsModule> & { default?: Partial<GpujsModule> };
  if (candidate.WebAssemblyFunctionNode) return candidate;
  return candidate.default ?? candidate;
}

/**
 * Extends gpu.js 2.24.1's WebAssembly code generation (webasm mode) so matrix-vector kernels run
 * about 4–6× faster: lane-contiguous array reads become one `v128.load`, integer loop counters stay
 * i32; and Int8Array / {@link HalfArray} inputs are stored at 1 / 2 bytes per element in wasm memory
 * and widened in the kernel (`compactStorage`). Results are bit-identical to stock gpu.js reading the
 * same values as f32. Call it once, before creating kernels; later calls
 * return the same status. On any gpu.js other than 2.24.1 (or one whose internals do not match) it
 * prints one warning line and leaves gpu.js untouched. `GPT2JS_WEBASM_CODEGEN=0` in the environment
 * (Node) or `globalThis.GPT2JS_WEBASM_CODEGEN = 0` (browsers) turns it off.
 *
 * @param gpujs the gpu.js module namespace (`import * as gpujs from 'gpu.js'`) or its default export
 * @example
 * ```ts
 * import * as gpujs from 'gpu.js';
 * import { installWebasmCodegen } from '@gpt2js/tensor';
 * const status = installWebasmCodegen(gpujs);
 * // { installed: true, reason: '…', version: '2.24.1', compactStorage: { int8: true, f16: true } }
 * const gpu = new gpujs.GPU({ mode: 'webasm' });
 * ```
 */
export function installWebasmCodegen(
  gpujs: unknown,
  options: WebasmCodegenOptions = {},
): WebasmCodegenStatus {
  const warn = options.warn ?? ((line: string) => console.warn(line));
  const version = options.gpujsVersion ?? readGpujsVersion() ?? 'unknown';
  const switchedOff = disabledBySwitch();
  if (switchedOff)
    return { installed: false, reason: switchedOff, version, compactStorage: { ...NO_COMPACT } };

  const module = resolveModule(gpujs);
  const prototype = module.WebAssemblyFunctionNode?.prototype;
  if (prototype && Object.hasOwn(prototype, INSTALLED)) {
    return {
      installed: true,
      reason: 'already installed on this gpu.js',
      version,
      compactStorage: { ...COMPACT },
    };
  }
  if (version !== 'unknown' && version !== KNOWN_GPUJS_VERSION) {
    warnOnce(
      `@gpt2js/tensor: gpu.js ${version} is not the ${KNOWN_GPUJS_VERSION} this package's fast WebAssembly path was built for; using stock gpu.js (slower)`,
      warn,
    );
    return {
      installed: false,
      reason: `gpu.js ${version} is not ${KNOWN_GPUJS_VERSION}; stock code generation kept`,
      version,
      compactStorage: { ...NO_COMPACT },
    };
  }
  const mismatches = findFingerprintMismatches(module);
  if (mismatches.length > 0 || !prototype) {
    const list = mismatches.join('; ');
    warnOnce(
      `@gpt2js/tensor: gpu.js ${version} is not the ${KNOWN_GPUJS_VERSION} this package's fast WebAssembly path was built for (changed: ${list}); using stock gpu.js (slower)`,
      warn,
    );
    return {
      installed: false,
      reason: `gpu.js internals differ from ${KNOWN_GPUJS_VERSION}: ${list}`,
      version,
      compactStorage: { ...NO_COMPACT },
    };
  }

  const complete = module as GpujsModule;
  // build every replacement before assigning any, so a throwing factory leaves gpu.js untouched
  const planned = HOOKS.map((hook) => {
    const target = targetOf(complete, hook.target);
    const method = target[hook.name] as AnyMethod;
    return { target, name: hook.name, method, replacement: hook.make(method, complete) };
  });
  for (const { target, name, replacement } of planned) target[name] = replacement;
  const record: InstalledRecord = {
    originals: planned.map(({ target, name, method }) => ({ target, name, method })),
  };
  Object.defineProperty(prototype, INSTALLED, { value: record, configurable: true, enumerable: false });
  const how = version === 'unknown' ? 'version unreadable here, internals match' : `gpu.js ${version}`;
  return { installed: true, reason: `installed (${how})`, version, compactStorage: { ...COMPACT } };
}

/**
 * Removes the extension and restores gpu.js's own methods (kernels compiled while it was active keep
 * their compiled code). For benchmarks and tests that compare with stock gpu.js in one process.
 * @returns true when something was removed
 */
export function uninstallWebasmCodegen(gpujs: unknown): boolean {
  const prototype = resolveModule(gpujs).WebAssemblyFunctionNode?.prototype;
  if (!prototype || !Object.hasOwn(prototype, INSTALLED)) return false;
  const record = prototype[INSTALLED] as InstalledRecord;
  for (const { target, name, method } of record.originals) target[name] = method;
  delete prototype[INSTALLED];
  return true;
}

/** Whether the extension is active on this gpu.js module. */
export function isWebasmCodegenInstalled(gpujs: unknown): boolean {
  const prototype = resolveModule(gpujs).WebAssemblyFunctionNode?.prototype;
  return !!prototype && Object.hasOwn(prototype, INSTALLED);
}

/** Test hook: lets the next version/fingerprint mismatch warn again. */
export function resetWebasmCodegenWarning(): void {
  warned = false;
}
