// Browser bundle entry: exposes the conformance suite to the test page as window.runSuite(backend).

import type { BackendName } from '../../src/index.js';
import { createBackend, linear } from '../../src/index.js';
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
