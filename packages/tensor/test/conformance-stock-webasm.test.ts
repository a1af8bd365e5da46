// The conformance suite on webasm with stock gpu.js code generation (GPT2JS_WEBASM_CODEGEN=0): the kernels must
// be correct with and without the codegen extension. vitest runs each file in its own worker, so the switch
// does not leak into the other files.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/index.js';
import { createBackend } from '../src/index.js';
import { conformanceCases, createReferenceBackend } from '../src/testing/index.js';

process.env.GPT2JS_WEBASM_CODEGEN = '0';

describe('conformance on webasm with stock gpu.js code generation', () => {
  let backend: Backend;
  const reference = createReferenceBackend();
  beforeAll(async () => {
    backend = await createBackend({ backend: 'webasm' });
  });
  afterAll(() => {
    backend.dispose();
    reference.dispose();
  });
  it('reports the stock path', () => {
    expect(backend.report().reason).toMatch(/stock gpu.js code generation/);
  });
  for (const c of conformanceCases()) {
    if (c.big) continue;
    it(c.name, async () => {
      await backend.scope(() => reference.scope(() => c.run(backend, reference)));
    });
  }
});
