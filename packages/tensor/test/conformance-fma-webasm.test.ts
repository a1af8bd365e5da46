// The conformance suite on webasm with fused multiply-adds (relaxed SIMD, src/codegen/fused-multiply-add.ts):
// the kernels must be correct with them as without. Relaxed SIMD is enabled before any kernel compiles
// (Node 20 has it behind a V8 flag), and the tests' default switch (setup-no-fma.ts) is cleared; vitest runs
// each file in its own process, so neither leaks into the other files.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/index.js';
import { createBackend, enableRelaxedSimd, fusedMultiplyAddEnabled } from '../src/index.js';
import { conformanceCases, createReferenceBackend } from '../src/testing/index.js';

delete process.env.GPT2JS_WASM_FMA;

describe('conformance on webasm with fused multiply-adds', () => {
  let backend: Backend;
  const reference = createReferenceBackend();
  beforeAll(async () => {
    expect(await enableRelaxedSimd()).toBe(true);
    backend = await createBackend({ backend: 'webasm' });
  });
  afterAll(() => {
    backend.dispose();
    reference.dispose();
  });
  it('reports fused multiply-adds on', () => {
    expect(fusedMultiplyAddEnabled()).toBe(true);
    expect(backend.report().reason).toMatch(/fused multiply-adds on \(relaxed SIMD\)/);
  });
  for (const c of conformanceCases()) {
    it(c.name, async () => {
      await backend.scope(() => reference.scope(() => c.run(backend, reference)));
    });
  }
});
