// The webasm thread pool: how threads claim the chunks of a call (chunk-claim.ts), and that many calls in
// a row, of different kernels and sizes, give the bits of one thread while the worker really takes part.
// Where the chunks begin and end is chunk-plan.ts's.
// A claim carries the call's epoch, so a worker that wakes after its call ended cannot run a chunk of the
// next call; the main thread waits only for chunks in flight, never for a worker that took none. Prefill
// calls of the linear kernels are cut into 16 equal chunks per thread, decode calls front-loaded.

import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Backend, Weight, WeightDType } from '../src/index.js';
import { createBackend, linear } from '../src/index.js';
import { randomArray, seededRandom } from '../src/testing/compare.js';
import {
  claimChunk,
  closedWord,
  EPOCH_MASK,
  epochOf,
  MAX_CHUNKS,
  openWord,
} from '../src/webasm/chunk-claim.js';
import { chunkBounds, chunkCells } from '../src/webasm/chunk-plan.js';
import type { WasmArenaEngine } from '../src/webasm/engine.js';
import { ThreadPool, writeCall } from '../src/webasm/thread-pool.js';
import {
  CHUNKS,
  CONTROL_STRIDE,
  DONE,
  IDLE_SPIN_MS,
  NEXT_CHUNK,
  POSTED,
  PROGRAM,
  SLEEPING,
  workerSource,
} from '../src/webasm/worker-source.js';

describe('claimChunk', () => {
  it('hands out each chunk of the open call once, in order, then −1', () => {
    const control = new Int32Array(new SharedArrayBuffer(8));
    control[1] = openWord(5);
    expect([0, 1, 2, 3].map(() => claimChunk(control, 1, 5, 3))).toEqual([0, 1, 2, -1]);
    expect(control[1]).toBe(openWord(5) + 3);
  });

  it('refuses a claim for any other epoch and leaves the word alone', () => {
    const control = new Int32Array(new SharedArrayBuffer(4));
    control[0] = openWord(8);
    expect(claimChunk(control, 0, 7, 16)).toBe(-1);
    expect(claimChunk(control, 0, 9, 16)).toBe(-1);
    expect(control[0]).toBe(openWord(8));
    expect(claimChunk(control, 0, 8, 16)).toBe(0);
  });

  it('keeps the word a positive int32 for every epoch, including the wrap to 0', () => {
    const control = new Int32Array(new SharedArrayBuffer(4));
    for (const epoch of [0, 1, EPOCH_MASK]) {
      control[0] = openWord(epoch);
      expect(control[0]).toBeGreaterThanOrEqual(0);
      expect(claimChunk(control, 0, epoch, MAX_CHUNKS)).toBe(0);
      expect(epochOf(control[0])).toBe(epoch);
    }
    expect(openWord(EPOCH_MASK + 1)).toBe(openWord(0));
    expect(EPOCH_MASK).toBeGreaterThanOrEqual(2 ** 23 - 1); // 8 million calls before an epoch comes back
  });

  it('never carries the chunk count into the epoch, however many claims are tried', () => {
    const control = new Int32Array(new SharedArrayBuffer(4));
    control[0] = openWord(EPOCH_MASK);
    const claimed = Array.from({ length: MAX_CHUNKS + 10 }, () =>
      claimChunk(control, 0, EPOCH_MASK, MAX_CHUNKS),
    );
    expect(claimed.filter((k) => k >= 0)).toEqual(Array.from({ length: MAX_CHUNKS }, (_, k) => k));
    expect(epochOf(control[0])).toBe(EPOCH_MASK);
    expect(control[0]).toBeGreaterThan(0);
  });
});

describe('a call’s parameters', () => {
  it('fail every claim of a closed call, whatever chunk count the claimer read', () => {
    const control = new Int32Array(new SharedArrayBuffer(4));
    for (const epoch of [0, 7, EPOCH_MASK]) {
      control[0] = closedWord(epoch);
      expect(epochOf(control[0])).toBe(epoch);
      for (const chunks of [1, 2, 100, MAX_CHUNKS]) expect(claimChunk(control, 0, epoch, chunks)).toBe(-1);
    }
  });

  it('keep a worker that saw the last call late from claiming a chunk of the next one early', () => {
    // the interleaving a worker meets when it wakes late: it reads call 5's epoch after the main thread
    // ran every chunk of it alone, and reads its parameters after the main thread wrote call 6's
    const control = new Int32Array(new SharedArrayBuffer(CONTROL_STRIDE * 4));
    const bounds = new Int32Array(new SharedArrayBuffer((MAX_CHUNKS + 1) * 4));
    writeCall(control, bounds, 4, { program: 1, bounds: [0, 8, 16], simd: true });
    Atomics.store(control, NEXT_CHUNK, openWord(5));
    expect([claimChunk(control, NEXT_CHUNK, 5, 2), claimChunk(control, NEXT_CHUNK, 5, 2)]).toEqual([0, 1]);
    Atomics.store(control, DONE, 2);
    const seen = epochOf(Atomics.load(control, NEXT_CHUNK)); // the worker wakes: call 5
    const eight = Array.from({ length: 9 }, (_, k) => 8 * k);
    writeCall(control, bounds, 5, { program: 2, bounds: eight, simd: true }); // call 6: 8 chunks
    const chunks = Atomics.load(control, CHUNKS);
    expect([seen, Atomics.load(control, PROGRAM), chunks]).toEqual([5, 2, 8]);
    expect(Array.from(bounds.subarray(0, 9))).toEqual(eight);
    // an open word would hand it chunk 2 of call 6, run early and counted done before call 6 began
    expect(claimChunk(control, NEXT_CHUNK, seen, chunks)).toBe(-1);
    expect(Atomics.load(control, DONE)).toBe(0);
    Atomics.store(control, NEXT_CHUNK, openWord(6));
    expect(claimChunk(control, NEXT_CHUNK, 6, chunks)).toBe(0);
  });
});

describe('worker source', () => {
  it('binds claimChunk whatever name a bundler gave the function', () => {
    // a minified page build renames claimChunk (the worker then died on a ReferenceError and every call ran
    // on the main thread alone); the worker must call the embedded text under its own name
    const renamed = new Function(
      'return function q7(control, at, epoch, chunks) { return epoch * 10 + chunks; }',
    )();
    const context: Record<string, unknown> = { require: () => ({ parentPort: { on() {} } }) };
    runInNewContext(workerSource(renamed), context);
    expect(typeof context.claimChunk).toBe('function');
    expect((context.claimChunk as (...a: unknown[]) => number)(null, 0, 4, 2)).toBe(42);
  });
});

describe('chunkCells', () => {
  it('cuts a call into about chunksPerThread chunks per thread, whole quads for SIMD calls', () => {
    for (const [cells, per] of [
      [3072, 16],
      [3072, 4],
      [768, 4],
      [12568, 4],
      [50, 16],
    ]) {
      const chunk = chunkCells(cells, 2, per, true);
      expect(chunk % 4, `${cells} cells`).toBe(0);
      const chunks = Math.ceil(cells / chunk);
      expect(chunks).toBeLessThanOrEqual(2 * per);
      // whole quads can leave fewer chunks, never fewer than half the asked number unless cells are few
      if (cells >= 2 * per * 8) expect(chunks).toBeGreaterThanOrEqual(per);
    }
    expect(chunkCells(10, 2, 4, false)).toBe(2);
    expect(Math.ceil(2 ** 20 / chunkCells(2 ** 20, 2, 2 ** 16, false))).toBeLessThanOrEqual(MAX_CHUNKS);
  });
});

describe('chunkBounds', () => {
  const check = (bounds: number[], cells: number, simd: boolean) => {
    expect(bounds[0]).toBe(0);
    expect(bounds[bounds.length - 1]).toBe(cells);
    expect(bounds.length - 1).toBeLessThanOrEqual(MAX_CHUNKS);
    for (let k = 1; k < bounds.length; k++) {
      expect(bounds[k], `bound ${k} of ${bounds}`).toBeGreaterThan(bounds[k - 1]);
      if (simd && k < bounds.length - 1) expect(bounds[k] % 4).toBe(0);
    }
  };

  it('front-loads by default: each thread’s first chunk is 3/(4P) of the cells, the last quarter in P', () => {
    expect(chunkBounds(3072, 2, true)).toEqual([0, 1152, 2304, 2688, 3072]);
    expect(chunkBounds(800, 4, false)).toEqual([0, 150, 300, 450, 600, 650, 700, 750, 800]);
    for (const [cells, P, simd] of [
      [64, 2, true],
      [68, 2, true],
      [12288, 2, true],
      [201_028, 2, true],
      [65, 3, false],
      [4096, 8, true],
      [300, 200, false],
    ] as const) {
      const bounds = chunkBounds(cells, P, simd);
      check(bounds, cells, simd);
      // the first chunk is the largest, up to the rounding to whole quads
      const sizes = bounds.slice(1).map((b, k) => b - bounds[k]);
      expect(sizes[0]).toBeGreaterThanOrEqual(Math.max(...sizes) - (simd ? 4 : 1));
    }
  });

  it('with chunksPerThread, cuts equal chunks as chunkCells says', () => {
    for (const [cells, per] of [
      [3072, 16],
      [768, 4],
      [50, 16],
    ] as const) {
      const bounds = chunkBounds(cells, 2, true, per);
      check(bounds, cells, true);
      const chunk = chunkCells(cells, 2, per, true);
      expect(bounds.slice(0, -1)).toEqual(bounds.slice(0, -1).map((_, k) => k * chunk));
    }
  });
});

describe('an idle worker', () => {
  /** Spins (blocking) until control[at] is `value`; false after `ms`. */
  const spinUntil = (control: Int32Array, at: number, value: number, ms: number) => {
    const start = performance.now();
    while (Atomics.load(control, at) !== value) if (performance.now() - start > ms) return false;
    return true;
  };

  it('spins for IDLE_SPIN_MS after it wakes before it sleeps again', async () => {
    const { Worker } = await import('node:worker_threads');
    const control = new Int32Array(new SharedArrayBuffer(2 * CONTROL_STRIDE * 4));
    const worker = new Worker(workerSource(claimChunk), { eval: true });
    try {
      // as ThreadPool posts: count the message first (the worker leaves its wait loop for uncounted ones)
      Atomics.add(control, CONTROL_STRIDE + POSTED, 1);
      worker.postMessage({ type: 'init', control: control.buffer, index: 0 });
      const started = performance.now();
      while (Atomics.load(control, SLEEPING) !== 1 && performance.now() - started < 10_000) {
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      expect(Atomics.load(control, SLEEPING), 'the worker never slept').toBe(1);
      // open calls (new epochs; their program is unknown, so the worker takes no chunk) and time how long
      // the woken worker stays up: it wakes after the notify, so at least IDLE_SPIN_MS passes before it
      // sleeps again. A try fails if this thread was descheduled past the worker's whole waking spell.
      const awake: number[] = [];
      for (let epoch = 1; epoch <= 5 && awake.length === 0; epoch++) {
        const notified = performance.now();
        Atomics.store(control, NEXT_CHUNK, openWord(epoch));
        Atomics.notify(control, NEXT_CHUNK);
        if (spinUntil(control, SLEEPING, 0, 5000) && spinUntil(control, SLEEPING, 1, 5000)) {
          awake.push(performance.now() - notified);
        }
      }
      expect(awake, 'never saw the worker wake and sleep again').toHaveLength(1);
      expect(awake[0]).toBeGreaterThanOrEqual(IDLE_SPIN_MS);
    } finally {
      await worker.terminate();
    }
  });
});

describe('webasm thread pool', () => {
  let threaded: Backend;
  let single: Backend;
  const engineOf = (b: Backend) => (b as unknown as { engine: WasmArenaEngine }).engine;
  beforeAll(async () => {
    threaded = await createBackend({ backend: 'webasm', threads: 2 });
    single = await createBackend({ backend: 'webasm', threads: 1 });
  });
  afterAll(() => {
    threaded?.dispose();
    single?.dispose();
  });

  it('gives one thread’s bits over 300 calls of alternating kernels, with the worker taking chunks', async () => {
    expect(engineOf(threaded).threads).toBe(2);
    const K = 96;
    const rnd = seededRandom(11);
    const shapes: { N: number; dtype: WeightDType }[] = [
      { N: 4096, dtype: 'f32' },
      { N: 272, dtype: 'int8' },
      { N: 1040, dtype: 'f16' },
    ];
    const pairs: [Weight, Weight][] = shapes.map(({ N, dtype }) => {
      const w = randomArray(rnd, K * N, 0.1);
      return [threaded.weight(w, [K, N], { dtype }), single.weight(w, [K, N], { dtype })];
    });
    const before = engineOf(threaded).workerChunks;
    const xs = Array.from({ length: 300 }, () => randomArray(rnd, K));
    // back to back, so that the worker is often still finishing (or not yet back from) the previous call
    const results = (be: Backend, side: 0 | 1) =>
      be.scope(async () => {
        const ys = xs.map((x, call) => linear(be.tensor(x, [1, K]), pairs[call % pairs.length][side]));
        return Promise.all(ys.map((y) => y.toArray()));
      });
    const got = await results(threaded, 0);
    const want = await results(single, 1);
    for (let call = 0; call < xs.length; call++) {
      expect(Array.from(got[call]), `call ${call}`).toEqual(Array.from(want[call]));
    }
    expect(engineOf(threaded).workerChunks).toBeGreaterThan(before);
    for (const [a, b] of pairs) {
      a.dispose();
      b.dispose();
    }
  });

  it('cuts prefill calls into 16 chunks per thread and decode calls front-loaded, with one thread’s bits', async () => {
    const K = 200;
    const N = 288; // decode: 72 cells, enough to be threaded
    const R = 21; // two prefill calls, the second partly zero rows
    const rnd = seededRandom(13);
    const w = randomArray(rnd, K * N, 0.1);
    const x = randomArray(rnd, R * K);
    const spy = vi.spyOn(ThreadPool.prototype, 'run');
    try {
      for (const dtype of ['f32', 'int8'] as const) {
        const outputs = [];
        for (const be of [threaded, single]) {
          const weight = be.weight(w, [K, N], { dtype });
          outputs.push(
            await be.scope(async () => ({
              prefill: await linear(be.tensor(x, [R, K]), weight).toArray(),
              decode: await linear(be.tensor(x.subarray(0, K), [1, K]), weight).toArray(),
            })),
          );
          weight.dispose();
        }
        expect(Array.from(outputs[0].prefill), dtype).toEqual(Array.from(outputs[1].prefill));
        expect(Array.from(outputs[0].decode), dtype).toEqual(Array.from(outputs[1].decode));
      }
      const perThread = spy.mock.calls.map((call) => call[4]);
      expect(perThread).toContain(16);
      expect(perThread).toContain(undefined); // decode: the pool's default
    } finally {
      spy.mockRestore();
    }
  });
});
