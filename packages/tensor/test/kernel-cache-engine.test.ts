// The kernel cache in a webasm backend: a second backend over the same folder reads every program the first
// compiled (linear kernels of each storage, generic kernels, attention over a KV cache, argmax) and computes
// the same bits, which match the plain reference; the option and its errors; the report says where it is.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backend, WeightDType } from '../src/index.js';
import { argmax, attention, createBackend, layerNorm, linear, softmax, TensorError } from '../src/index.js';
import { createReferenceBackend, expectClose, randomArray, seededRandom } from '../src/testing/index.js';
import type { WasmArenaEngine } from '../src/webasm/engine.js';

const engineOf = (b: Backend) => (b as unknown as { engine: WasmArenaEngine }).engine;
const TOLERANCE: Record<WeightDType, number> = { f32: 1e-4, f16: 2e-3, int8: 2e-2 };

/** Linear (decode and prefill, with and without gelu, each storage), layerNorm, softmax, attention, argmax. */
async function workload(be: Backend): Promise<{ name: string; values: Float32Array; tolerance: number }[]> {
  const random = seededRandom(17);
  const K = 48;
  const N = 80;
  const out: { name: string; values: Float32Array; tolerance: number }[] = [];
  for (const dtype of ['f32', 'f16', 'int8'] as const) {
    const w = be.weight(randomArray(random, K * N, 0.3), [K, N], { dtype });
    const bias = randomArray(random, N, 0.2);
    for (const [rows, gelu] of [
      [1, false],
      [6, true],
    ] as const) {
      const x = randomArray(random, rows * K, 1);
      const values = await be.scope(() =>
        linear(be.tensor(x, [rows, K]), w, be.tensor(bias, [N]), {
          ...(gelu ? { activation: 'gelu_new' as const } : {}),
        }).toArray(),
      );
      out.push({ name: `linear ${dtype} ${rows} ${gelu}`, values, tolerance: TOLERANCE[dtype] });
    }
    w.dispose();
  }
  const x = randomArray(random, 5 * N, 2);
  const gamma = randomArray(random, N, 1);
  const beta = randomArray(random, N, 0.5);
  out.push({
    name: 'layerNorm',
    values: await be.scope(() =>
      layerNorm(be.tensor(x, [5, N]), be.tensor(gamma, [N]), be.tensor(beta, [N]), 1e-5).toArray(),
    ),
    tolerance: 1e-5,
  });
  out.push({
    name: 'softmax',
    values: await be.scope(() => softmax(be.tensor(x, [5, N])).toArray()),
    tolerance: 1e-5,
  });
  const nH = 2;
  const hd = 8;
  const cache = be.createKVCache({ nLayer: 1, nHead: nH, headDim: hd, maxLength: 16 });
  for (const rows of [5, 1, 1]) {
    const qkv = randomArray(random, rows * 3 * nH * hd, 1);
    const values = await be.scope(() =>
      attention(be.tensor(qkv, [rows, 3 * nH * hd]), cache, 0, { batch: 1, scale: 0.3 }).output.toArray(),
    );
    cache.advance(rows);
    out.push({ name: `attention ${rows}`, values, tolerance: 1e-4 });
  }
  cache.dispose();
  const logits = be.tensor(randomArray(random, 3 * 1000, 3), [3, 1000]);
  out.push({ name: 'argmax', values: Float32Array.from(await argmax(logits)), tolerance: 0 });
  logits.dispose();
  return out;
}

describe('webasm kernel cache', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpt2js-kernels-'));
  const backends: Backend[] = [];
  const open = async (kernelCache: string | false) => {
    const backend = await createBackend({ backend: 'webasm', kernelCache });
    backends.push(backend);
    return backend;
  };
  afterAll(() => {
    for (const b of backends) b.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads back every program of a second backend, which computes the same bits as the first', async () => {
    const first = await open(dir);
    expect(first.report().reason).toContain(`kernel cache ${dir}`);
    const compiled = await workload(first);
    const firstStats = engineOf(first).kernelCache;
    expect(firstStats?.hits).toBe(0);
    expect(firstStats?.writes).toBe(firstStats?.misses);
    expect(firstStats?.writes).toBeGreaterThanOrEqual(10);
    const entries = readdirSync(dir);
    expect(entries.filter((n) => n.endsWith('.wasmkernel'))).toHaveLength(firstStats?.writes ?? -1);
    expect(entries.filter((n) => n.endsWith('.tmp'))).toEqual([]);

    const second = await open(dir);
    const read = await workload(second);
    expect(engineOf(second).kernelCache).toMatchObject({ hits: firstStats?.writes, misses: 0, writes: 0 });
    const reference = createReferenceBackend();
    const want = await workload(reference);
    reference.dispose();
    read.forEach((r, i) => {
      expect(r.name).toBe(compiled[i].name);
      expect(Array.from(r.values), r.name).toEqual(Array.from(compiled[i].values));
      expectClose(r.name, r.values, want[i].values, r.tolerance);
    });
  });

  it('is off with kernelCache: false, and says so', async () => {
    const backend = await open(false);
    expect(backend.report().reason).toContain('kernel cache off (kernelCache: false)');
    expect(engineOf(backend).kernelCache).toBeUndefined();
  });

  it('rejects a kernelCache that is neither a path nor false', async () => {
    for (const bad of ['', '  ', 5, true]) {
      const error = await createBackend({ backend: 'webasm', kernelCache: bad as never }).catch((e) => e);
      expect(error).toBeInstanceOf(TensorError);
      expect((error as TensorError).code).toBe('invalid_option');
      expect((error as Error).message).toMatch(
        /kernelCache must be a directory path \(in browsers, an IndexedDB database name\) or false/,
      );
    }
  });
});
