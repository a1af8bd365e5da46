// benchmarkWebasmMatvec is what the pack-and-import test runs from the tarball: check it computes the
// right product, reports the extension's status, and validates its options (no timing assertions).
import * as gpujs from 'gpu.js';
import { afterAll, describe, expect, it } from 'vitest';
import { benchmarkWebasmMatvec, uninstallWebasmCodegen } from '../../src/codegen/index.js';
import { TensorError } from '../../src/errors.js';

afterAll(() => {
  uninstallWebasmCodegen(gpujs);
});

describe('benchmarkWebasmMatvec', () => {
  it('times a correct matvec with the extension installed', () => {
    const result = benchmarkWebasmMatvec({ k: 64, n: 48, runs: 3 });
    expect(result.k).toBe(64);
    expect(result.n).toBe(48);
    expect(result.codegen.installed).toBe(true);
    expect(result.maxRelativeError).toBeLessThan(1e-5);
    expect(result.medianMs).toBeGreaterThan(0);
    expect(result.gflops).toBeCloseTo((2 * 64 * 48) / (result.medianMs * 1e6), 10);
  });

  it('fingerprints the generated module: the same on every call, another for stock gpu.js', () => {
    const fast = benchmarkWebasmMatvec({ k: 96, n: 64, runs: 1 });
    const again = benchmarkWebasmMatvec({ k: 96, n: 64, runs: 1 });
    expect(fast.moduleDigest).toMatch(/^[0-9a-f]{8}:[1-9][0-9]*$/);
    expect(again.moduleDigest).toBe(fast.moduleDigest);
    const other = benchmarkWebasmMatvec({ k: 96, n: 128, runs: 1 });
    expect(other.moduleDigest).not.toBe(fast.moduleDigest);

    const globals = globalThis as Record<string, unknown>;
    uninstallWebasmCodegen(gpujs);
    globals.GPT2JS_WEBASM_CODEGEN = 0;
    try {
      const stock = benchmarkWebasmMatvec({ k: 96, n: 64, runs: 1 });
      expect(stock.codegen.installed).toBe(false);
      expect(stock.maxRelativeError).toBeLessThan(1e-5);
      expect(stock.moduleDigest).toMatch(/^[0-9a-f]{8}:[1-9][0-9]*$/);
      expect(stock.moduleDigest).not.toBe(fast.moduleDigest);
    } finally {
      delete globals.GPT2JS_WEBASM_CODEGEN;
    }
    expect(benchmarkWebasmMatvec({ k: 96, n: 64, runs: 1 }).moduleDigest).toBe(fast.moduleDigest);
  });

  it('rejects an n that is not a multiple of 4, naming the range', () => {
    expect(() => benchmarkWebasmMatvec({ n: 10 })).toThrowError(
      /n must be a multiple of 4 in 4–262144, got 10/,
    );
    let caught: unknown;
    try {
      benchmarkWebasmMatvec({ k: 0 });
    } catch (error) {
      caught = error;
    }
    expect(TensorError.isInstance(caught) && caught.code).toBe('invalid_option');
  });
});
