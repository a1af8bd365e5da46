// Which form of the f32/f16 prefill kernel an engine gets (src/webasm/prefill-step.ts), the override, and
// that a backend built with either form computes the same bits as the other and the reference's values.
import { afterEach, describe, expect, it } from 'vitest';
import { createBackend, linear } from '../src/index.js';
import { randomArray, relativeError, seededRandom } from '../src/testing/compare.js';
import { createReferenceBackend } from '../src/testing/index.js';
import {
  describePrefillStep,
  PREFILL_STREAMS_SWITCH,
  prefillStreamsPerStep,
  streamsPerStepFor,
  v8MajorVersion,
} from '../src/webasm/prefill-step.js';

const globals = globalThis as Record<string, unknown>;

afterEach(() => {
  delete globals[PREFILL_STREAMS_SWITCH];
});

describe('prefill kernel form', () => {
  it('takes two streams per step on V8 before 13, four on later V8 and on other engines', () => {
    expect(streamsPerStepFor(11)).toBe(2);
    expect(streamsPerStepFor(12)).toBe(2);
    expect(streamsPerStepFor(13)).toBe(4);
    expect(streamsPerStepFor(15)).toBe(4);
    expect(streamsPerStepFor(undefined)).toBe(4);
  });

  it("reads this Node's V8 version", () => {
    expect(v8MajorVersion()).toBe(Number.parseInt(process.versions.v8, 10));
    expect(prefillStreamsPerStep()).toBe(streamsPerStepFor(Number.parseInt(process.versions.v8, 10)));
    expect(describePrefillStep()).toMatch(/^prefill kernel: [24] weight streams per step \(V8 \d+\)$/);
  });

  it("reads a Chromium page's V8 version from its user agent", () => {
    const page = (userAgent: string) => v8MajorVersion({ navigator: { userAgent } });
    const headless =
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36';
    expect(page(headless)).toBe(15);
    expect(page('Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/124.0.6367.60 Safari/537.36')).toBe(
      12,
    );
    expect(page('Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0')).toBeUndefined();
    expect(v8MajorVersion({})).toBeUndefined();
  });

  it('follows the override, and names a bad one', () => {
    globals[PREFILL_STREAMS_SWITCH] = 4;
    expect(prefillStreamsPerStep()).toBe(4);
    globals[PREFILL_STREAMS_SWITCH] = '2';
    expect(prefillStreamsPerStep()).toBe(2);
    expect(describePrefillStep()).toBe(
      `prefill kernel: 2 weight streams per step (${PREFILL_STREAMS_SWITCH} set)`,
    );
    globals[PREFILL_STREAMS_SWITCH] = 3;
    expect(() => prefillStreamsPerStep()).toThrow(/GPT2JS_WASM_PREFILL_STREAMS must be 2 or 4, got 3/);
  });

  it.each(['f32', 'f16'] as const)(
    'gives the same bits in both forms, close to the reference (%s)',
    async (dtype) => {
      const K = 200; // not a multiple of 16: padded k slots
      const N = 72;
      const R = 21; // two prefill calls, the second partly zero rows
      const rnd = seededRandom(11);
      const w = randomArray(rnd, K * N, 0.1);
      const bias = randomArray(rnd, N);
      const x = randomArray(rnd, R * K);
      const outputs: Float32Array[] = [];
      for (const step of [2, 4]) {
        globals[PREFILL_STREAMS_SWITCH] = step;
        const backend = await createBackend({ backend: 'webasm' });
        expect(backend.report().reason).toContain(`prefill kernel: ${step} weight streams per step`);
        const weight = backend.weight(w, [K, N], { dtype });
        outputs.push(
          await backend.scope(async () =>
            linear(backend.tensor(x, [R, K]), weight, backend.tensor(bias, [N]), {
              activation: 'gelu_new',
            }).toArray(),
          ),
        );
        backend.dispose();
      }
      expect(Array.from(outputs[0])).toEqual(Array.from(outputs[1]));
      const reference = createReferenceBackend();
      const rw = reference.weight(w, [K, N], { dtype });
      const want = await reference.scope(async () =>
        linear(reference.tensor(x, [R, K]), rw, reference.tensor(bias, [N]), {
          activation: 'gelu_new',
        }).toArray(),
      );
      reference.dispose();
      expect(relativeError(outputs[0], want)).toBeLessThan(1e-5);
    },
  );
});
