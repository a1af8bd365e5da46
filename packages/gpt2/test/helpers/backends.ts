// The Node backends this machine offers, like the tensor package's conformance test: cpu and webasm always,
// headlessgl when `gl` loads and DISPLAY is set. A backend listed in GPT2JS_REQUIRE_BACKENDS that is
// unavailable fails instead of skipping.
import { type BackendName, probeBackends } from '@gpt2js/tensor';
import { describe, expect, it } from 'vitest';

const NODE_BACKENDS: BackendName[] = ['cpu', 'webasm', 'headlessgl'];
const required = new Set(
  (process.env.GPT2JS_REQUIRE_BACKENDS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
const probes = await probeBackends();

/** Runs `suite` once per available Node backend; unavailable ones show as a named skip (or a failure). */
export function forEachBackend(
  suite: (name: BackendName) => void,
  only: readonly BackendName[] = NODE_BACKENDS,
): void {
  for (const name of only) {
    const p = probes.find((x) => x.name === name)!;
    if (p.available) {
      describe(`on ${name}`, () => suite(name));
    } else if (required.has(name)) {
      it(`${name} is required by GPT2JS_REQUIRE_BACKENDS but unavailable`, () => {
        expect.fail(`${name}: ${p.reason}`);
      });
    } else {
      describe.skip(`${name} (unavailable: ${p.reason})`, () => {
        it('skipped', () => {});
      });
    }
  }
}

/** The repository's models folder. */
export const MODELS = new URL('../../../../models/', import.meta.url).pathname;
