// Browser bundle entry: exposes the conformance suite to the test page as window.runSuite(backend).

import type { BackendName } from '../../src/index.js';
import { createBackend } from '../../src/index.js';
import { runConformance } from '../../src/testing/index.js';

declare global {
  interface Window {
    runSuite(
      name: BackendName,
    ): Promise<{ backend: string; reason: string; results: { name: string; ok: boolean; error?: string }[] }>;
  }
}

window.runSuite = async (name) => {
  const backend = await createBackend({ backend: name });
  try {
    const results = await runConformance(backend, { big: false });
    return { backend: backend.name, reason: backend.report().reason, results };
  } finally {
    backend.dispose();
  }
};
