// Browser bundle entry: exposes the conformance suite to the test page as window.runSuite(backend).

import type { BackendName } from '../../src/index.js';
import { createBackend, layerNorm, linear, softmax } from '../../src/index.js';
import { runConformance } from '../../src/testing/index.js';

declare global {
  interface Window {
    runSuite(name: BackendName): Promise<{
      backend: string;
      reason: string;
      /**
       * webasm: threads in use, and chunks of kernel calls its workers ran (0 elsewhere) once the page yielded
       * to its event loop (a Web Worker starts only then) and kept calling a split kernel for up to 10 s
       */
      threads: number;
      workerChunks: number;
      results: { name: string; ok: boolean; error?: string }[];
    }>;
    /** A few webasm kernels through the kernel cache in IndexedDB `database` (or none: false). */
    kernelCacheRun(database: string | false): Promise<{
      reason: string;
      stats: { where: string; hits: number; misses: number; writes: number } | undefined;
      values: number[][];
    }>;
    /** Records in the kernel cache's IndexedDB `database`. */
    kernelCacheRecords(database: string): Promise<number>;
  }
}

window.runSuite = async (name) => {
  const backend = await createBackend({ backend: name });
  try {
    const results = await runConformance(backend, { big: false });
    const engine = (backend as unknown as { engine?: { threads?: number; workerChunks?: number } }).engine;
    const threads = engine?.threads ?? 1;
    if (threads > 1) {
      const K = 256;
      const w = backend.weight(new Float32Array(K * 1024).fill(0.5), [K, 1024]);
      const x = backend.tensor(new Float32Array(K).fill(1), [1, K]);
      const until = performance.now() + 10_000;
      while ((engine?.workerChunks ?? 0) === 0 && performance.now() < until) {
        await backend.scope(async () => linear(x, w).toArray());
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      w.dispose();
      x.dispose();
    }
    return {
      backend: backend.name,
      reason: backend.report().reason,
      threads,
      workerChunks: engine?.workerChunks ?? 0,
      results,
    };
  } finally {
    backend.dispose();
  }
};

window.kernelCacheRun = async (database) => {
  const backend = await createBackend({ backend: 'webasm', kernelCache: database });
  try {
    // seeded values: the same in every page
    let seed = 7;
    const random = (n: number, scale: number) =>
      Float32Array.from({ length: n }, () => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return ((seed / 2 ** 32) * 2 - 1) * scale;
      });
    const K = 40;
    const N = 72;
    const values: number[][] = [];
    for (const dtype of ['f32', 'int8'] as const) {
      const w = backend.weight(random(K * N, 0.3), [K, N], { dtype });
      for (const rows of [1, 6]) {
        const x = random(rows * K, 1);
        const y = await backend.scope(() => linear(backend.tensor(x, [rows, K]), w).toArray());
        values.push(Array.from(y));
      }
      w.dispose();
    }
    const x = random(5 * N, 2);
    const gamma = random(N, 1);
    const beta = random(N, 0.5);
    values.push(
      Array.from(
        await backend.scope(() =>
          layerNorm(
            backend.tensor(x, [5, N]),
            backend.tensor(gamma, [N]),
            backend.tensor(beta, [N]),
            1e-5,
          ).toArray(),
        ),
      ),
    );
    values.push(Array.from(await backend.scope(() => softmax(backend.tensor(x, [5, N])).toArray())));
    const engine = (
      backend as unknown as {
        engine?: { kernelCache?: { where: string; hits: number; misses: number; writes: number } };
      }
    ).engine;
    return { reason: backend.report().reason, stats: engine?.kernelCache, values };
  } finally {
    backend.dispose();
  }
};

window.kernelCacheRecords = (database) =>
  new Promise((resolve, reject) => {
    const open = indexedDB.open(database);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains('programs')) {
        db.close();
        resolve(0);
        return;
      }
      const count = db.transaction('programs', 'readonly').objectStore('programs').count();
      count.onsuccess = () => {
        db.close();
        resolve(count.result);
      };
      count.onerror = () => reject(count.error);
    };
  });
