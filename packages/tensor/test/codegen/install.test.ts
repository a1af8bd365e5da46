// The installer's contract: version guard with one warning line, structural fingerprints, idempotence,
// the GPT2JS_WEBASM_CODEGEN switch, and uninstall restoring gpu.js's own methods.
import * as gpujs from 'gpu.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  installWebasmCodegen,
  isWebasmCodegenInstalled,
  KNOWN_GPUJS_VERSION,
  uninstallWebasmCodegen,
} from '../../src/codegen/index.js';
import { resetWebasmCodegenWarning } from '../../src/codegen/install.js';

const prototype = gpujs.WebAssemblyFunctionNode.prototype as unknown as Record<string, unknown>;
const kernelPrototype = gpujs.WebAssemblyKernel.prototype as unknown as Record<string, unknown>;
const utils = gpujs.utils as unknown as Record<string, unknown>;
const HOOKED: [Record<string, unknown>, string][] = [
  [prototype, 'vGather'],
  [prototype, 'stmtVariableDeclaration'],
  [prototype, 'vDeclareVarying'],
  [prototype, 'emitFlatLoad'],
  [kernelPrototype, 'computeLayout'],
  [kernelPrototype, '_computeSizeSignature'],
  [utils, 'flattenTo'],
];
const snapshot = (): unknown[] => HOOKED.map(([target, name]) => target[name]);

afterEach(() => {
  uninstallWebasmCodegen(gpujs);
  resetWebasmCodegenWarning();
  vi.unstubAllEnvs();
});

describe('installWebasmCodegen', () => {
  it('installs on gpu.js 2.24.1, read from its package.json, and replaces exactly the hooked methods', () => {
    const stock = snapshot();
    const kernelRun = gpujs.WebAssemblyKernel.prototype.run;
    const status = installWebasmCodegen(gpujs);
    expect(status).toEqual({
      installed: true,
      reason: 'installed (gpu.js 2.24.1)',
      version: '2.24.1',
      compactStorage: { int8: true, f16: true },
    });
    expect(KNOWN_GPUJS_VERSION).toBe('2.24.1');
    for (const [i, method] of snapshot().entries()) expect(method).not.toBe(stock[i]);
    expect(gpujs.WebAssemblyKernel.prototype.run).toBe(kernelRun);
    expect(isWebasmCodegenInstalled(gpujs)).toBe(true);
  });

  it('is idempotent, also through the default export of the CommonJS module', () => {
    installWebasmCodegen(gpujs);
    const installed = snapshot();
    const again = installWebasmCodegen((gpujs as unknown as { default: unknown }).default);
    expect(again.installed).toBe(true);
    expect(again.reason).toBe('already installed on this gpu.js');
    expect(snapshot()).toEqual(installed);
  });

  it('uninstall restores the stock methods', () => {
    const stock = snapshot();
    installWebasmCodegen(gpujs);
    expect(uninstallWebasmCodegen(gpujs)).toBe(true);
    expect(snapshot()).toEqual(stock);
    expect(uninstallWebasmCodegen(gpujs)).toBe(false);
  });

  it('on another gpu.js version: one warning line, once, and gpu.js untouched', () => {
    const stock = snapshot();
    const warn = vi.fn();
    const first = installWebasmCodegen(gpujs, { gpujsVersion: '2.25.0', warn });
    const second = installWebasmCodegen(gpujs, { gpujsVersion: '2.25.0', warn });
    expect(first.installed).toBe(false);
    expect(first.version).toBe('2.25.0');
    expect(first.compactStorage).toEqual({ int8: false, f16: false });
    expect(second.installed).toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      "@gpt2js/tensor: gpu.js 2.25.0 is not the 2.24.1 this package's fast WebAssembly path was built for; using stock gpu.js (slower)",
    );
    expect(snapshot()).toEqual(stock);
    expect(isWebasmCodegenInstalled(gpujs)).toBe(false);
  });

  it('when a fingerprinted method is missing or changed: warns and touches nothing', () => {
    class FakeNode {
      vGather(): number {
        return 0;
      }
    }
    const fake = { WebAssemblyFunctionNode: FakeNode, WebAssemblyKernel: gpujs.WebAssemblyKernel };
    const original = FakeNode.prototype.vGather;
    const warn = vi.fn();
    const status = installWebasmCodegen(fake, { gpujsVersion: '2.24.1', warn });
    expect(status.installed).toBe(false);
    expect(status.reason).toMatch(/WebAssemblyFunctionNode\.vGather \(arity 0, expected 6\)/);
    expect(status.reason).toMatch(/WebAssemblyFunctionNode\.stmtVariableDeclaration/);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(
      /^@gpt2js\/tensor: gpu\.js 2\.24\.1 is not the 2\.24\.1 .*using stock gpu\.js \(slower\)$/,
    );
    expect(FakeNode.prototype.vGather).toBe(original);
    expect(isWebasmCodegenInstalled(fake)).toBe(false);
  });

  it('all or nothing: a changed utils.flattenTo alone keeps every code-generation hook off', () => {
    const stock = snapshot();
    const fake = {
      WebAssemblyFunctionNode: gpujs.WebAssemblyFunctionNode,
      WebAssemblyKernel: gpujs.WebAssemblyKernel,
      Input: gpujs.Input,
      utils: { flattenTo: (array: unknown) => array },
    };
    const warn = vi.fn();
    const status = installWebasmCodegen(fake, { gpujsVersion: '2.24.1', warn });
    expect(status.installed).toBe(false);
    expect(status.compactStorage).toEqual({ int8: false, f16: false });
    expect(status.reason).toMatch(/utils\.flattenTo \(arity 1, expected 2\)/);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(snapshot()).toEqual(stock);
    expect(isWebasmCodegenInstalled(gpujs)).toBe(false);
  });

  it('GPT2JS_WEBASM_CODEGEN=0 disables it and says so', () => {
    const stock = snapshot();
    vi.stubEnv('GPT2JS_WEBASM_CODEGEN', '0');
    const warn = vi.fn();
    const status = installWebasmCodegen(gpujs, { warn });
    expect(status).toEqual({
      installed: false,
      reason: 'disabled by GPT2JS_WEBASM_CODEGEN=0',
      version: '2.24.1',
      compactStorage: { int8: false, f16: false },
    });
    expect(snapshot()).toEqual(stock);
    expect(warn).not.toHaveBeenCalled();
  });

  it('the browser switch globalThis.GPT2JS_WEBASM_CODEGEN = 0 disables it too', () => {
    const globals = globalThis as { GPT2JS_WEBASM_CODEGEN?: unknown };
    globals.GPT2JS_WEBASM_CODEGEN = 0;
    try {
      const status = installWebasmCodegen(gpujs);
      expect(status.installed).toBe(false);
      expect(status.reason).toBe('disabled by globalThis.GPT2JS_WEBASM_CODEGEN = 0');
    } finally {
      delete globals.GPT2JS_WEBASM_CODEGEN;
    }
  });
});
