// ThreadPool.touch: the calling thread and the workers fault in chunks of a memory range at once, and no byte
// changes; the webasm engine uses it for a weight's values before packing them (arena.prefault).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, linear } from '../src/index.js';
import { randomArray, seededRandom } from '../src/testing/compare.js';
import type { WasmArenaEngine } from '../src/webasm/engine.js';
import { ThreadPool } from '../src/webasm/thread-pool.js';

const MiB = 1024 * 1024;

describe('ThreadPool.touch', () => {
  let pool: ThreadPool;
  beforeAll(async () => {
    pool = (await ThreadPool.create(2)) as ThreadPool;
  });
  afterAll(() => pool.dispose());

  it('commits the pages of the range on both threads and leaves every byte as it was', () => {
    expect(pool.size).toBe(2);
    const memory = new WebAssembly.Memory({ initial: 1024, maximum: 1024, shared: true });
    const bytes = new Uint8Array(memory.buffer);
    // an unaligned range; bytes planted inside it (at page starts too, where the touches land) and around it
    const from = 3 * 4096 + 100;
    const to = 40 * MiB + 7;
    const planted = [
      0,
      4095,
      from - 1,
      from,
      4 * 4096,
      4 * 4096 + 1,
      20 * MiB,
      39 * MiB + 4096,
      to - 1,
      to,
      60 * MiB,
    ];
    planted.forEach((at, i) => {
      bytes[at] = 1 + i;
    });
    const before = process.memoryUsage().rss;
    pool.touch(memory, from, to);
    const grown = process.memoryUsage().rss - before;
    for (const [i, at] of planted.entries()) expect(bytes[at], `byte ${at}`).toBe(1 + i);
    for (let at = 4096; at < 64 * MiB; at += 4096) {
      if (!planted.includes(at)) expect(bytes[at]).toBe(0);
    }
    // every page committed
    if (process.platform === 'linux') expect(grown).toBeGreaterThan(0.8 * (to - from));
  });

  it('shares the chunks with the worker once it is awake', () => {
    // a worker that is slow to wake takes no chunk (the caller then touches them all): touch fresh ranges until
    // the worker has taken part, as it does within microseconds once it runs
    const before = pool.workerTouches;
    for (let attempt = 0; attempt < 50 && pool.workerTouches === before; attempt++) {
      const memory = new WebAssembly.Memory({ initial: 128, maximum: 128, shared: true });
      pool.touch(memory, 0, 8 * MiB);
    }
    expect(pool.workerTouches).toBeGreaterThan(before);
  });

  it('returns for an empty range and after the pool is disposed', async () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    pool.touch(memory, 100, 100);
    pool.touch(memory, 4096, 100);
    const other = (await ThreadPool.create(2)) as ThreadPool;
    other.dispose();
    other.touch(memory, 0, 65536);
    expect(new Uint8Array(memory.buffer).every((b) => b === 0)).toBe(true);
  });
});

describe('the webasm engine', () => {
  it('faults a weight in through the pool before packing it, unless GPT2JS_WASM_PREFAULT=0, with the same result', async () => {
    const rnd = seededRandom(7);
    const [K, N] = [300, 200];
    const w = randomArray(rnd, K * N);
    const x = randomArray(rnd, 3 * K);
    const results: Float32Array[] = [];
    for (const off of [false, true]) {
      if (off) process.env.GPT2JS_WASM_PREFAULT = '0';
      try {
        const be = await createBackend({ backend: 'webasm', threads: 2 });
        const engine = (be as unknown as { engine: WasmArenaEngine }).engine;
        expect(engine.arena.prefault === undefined).toBe(off);
        const touched: number[] = [];
        const prefault = engine.arena.prefault;
        if (prefault) {
          (engine.arena as { prefault: typeof prefault }).prefault = (region) => {
            touched.push(region.bytes);
            prefault(region);
          };
        }
        for (const dtype of ['f32', 'f16', 'int8'] as const) {
          const weight = await be.weightFromRows([K, N], (s, c) => w.slice(s * N, (s + c) * N), {
            dtype,
            rowsPerRead: 64,
          });
          results.push(await be.scope(() => linear(be.tensor(x, [3, K]), weight).toArray()));
        }
        // the values (f32: 4 bytes each) and, for int8, the scales: never the kernels' regions
        if (!off) expect(touched[0]).toBeGreaterThanOrEqual(K * N * 4);
        expect(touched.length).toBe(off ? 0 : 3);
        be.dispose();
      } finally {
        delete process.env.GPT2JS_WASM_PREFAULT;
      }
    }
    for (let i = 0; i < 3; i++) expect(results[i + 3]).toEqual(results[i]);
  });
});
