// Runs the exported conformance suite on every Node backend: cpu and webasm always, headlessgl when `gl` loads
// and DISPLAY is set (run under `xvfb-run -a`). An unavailable backend is a named skip, or a failure when
// GPT2JS_REQUIRE_BACKENDS lists it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, BackendName } from '../src/index.js';
import { createBackend, probeBackends } from '../src/index.js';
import { conformanceCases, createReferenceBackend } from '../src/testing/index.js';

const required = new Set(
  (process.env.GPT2JS_REQUIRE_BACKENDS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
const probes = await probeBackends();
const NODE_BACKENDS: BackendName[] = ['cpu', 'webasm', 'headlessgl'];

for (const name of NODE_BACKENDS) {
  const p = probes.find((x) => x.name === name)!;
  if (!p.available) {
    if (required.has(name)) {
      it(`${name} is required by GPT2JS_REQUIRE_BACKENDS but unavailable`, () => {
        expect.fail(`${name}: ${p.reason}`);
      });
    } else {
      describe.skip(`${name} (unavailable: ${p.reason})`, () => {
        it('conformance', () => {});
      });
    }
    continue;
  }
  describe(`conformance on ${name}`, () => {
    let backend: Backend;
    const reference = createReferenceBackend();
    beforeAll(async () => {
      backend = await createBackend({ backend: name });
    });
    afterAll(() => {
      backend?.dispose();
      reference.dispose();
    });
    for (const c of conformanceCases()) {
      it(c.name, async () => {
        await backend.scope(() => reference.scope(() => c.run(backend, reference)));
      });
    }
  });
}
