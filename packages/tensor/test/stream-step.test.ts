// Which form of the linear kernels an engine gets (src/webasm/stream-step.ts), the override, and that a
// backend built with either form gives a row the same bits through its decode and its prefill kernel, every
// storage, close to the reference's values (int8: the same bits in both forms).
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend, Weight } from '../src/index.js';
import { createBackend, linear } from '../src/index.js';
import { randomArray, relativeError, seededRandom } from '../src/testing/compare.js';
import { createReferenceBackend } from '../src/testing/index.js';
import {
  describeStreamForm,
  engineStreamForm,
  STREAMS_PER_STEP_SWITCH,
  streamsPerStepFor,
  v8MajorVersion,
} from '../src/webasm/stream-step.js';

const globals = globalThis as Record<string, unknown>;

afterEach(() => {
  delete globals[STREAMS_PER_STEP_SWITCH];
});

describe('linear kernel form', () => {
  it('takes two streams per step for f16 and int8 on V8 before 12, four for f32 and on later V8 and other engines', () => {
    for (const storage of ['f16', 'int8'] as const) {
      expect(streamsPerStepFor(10, storage)).toBe(2);
      expect(streamsPerStepFor(11, storage)).toBe(2);
    }
    expect(streamsPerStepFor(10, 'f32')).toBe(4);
    expect(streamsPerStepFor(11, 'f32')).toBe(4);
    for (const storage of ['f32', 'f16', 'int8'] as const) {
      expect(streamsPerStepFor(12, storage)).toBe(4);
      expect(streamsPerStepFor(13, storage)).toBe(4);
      expect(streamsPerStepFor(15, storage)).toBe(4);
      expect(streamsPerStepFor(undefined, storage)).toBe(4);
    }
  });

  it('names the form per storage where the storages differ, once where they agree', () => {
    const form = (f32: 2 | 4, f16: 2 | 4, int8: 2 | 4) => ({
      streamsPerStep: { f32, f16, int8 },
      why: 'V8 11',
    });
    expect(describeStreamForm(form(4, 2, 2))).toBe(
      'linear kernels: 4 weight streams per step for f32, 2 for f16 and int8 (V8 11)',
    );
    expect(describeStreamForm(form(2, 4, 2))).toBe(
      'linear kernels: 2 weight streams per step for f32 and int8, 4 for f16 (V8 11)',
    );
    expect(describeStreamForm(form(4, 4, 4))).toBe('linear kernels: 4 weight streams per step (V8 11)');
  });

  it("reads this Node's V8 version", () => {
    // without the override (which a run may set in the environment to test the other form)
    const fromEnv = process.env[STREAMS_PER_STEP_SWITCH];
    delete process.env[STREAMS_PER_STEP_SWITCH];
    try {
      const major = Number.parseInt(process.versions.v8, 10);
      expect(v8MajorVersion()).toBe(major);
      expect(engineStreamForm()).toEqual({
        streamsPerStep: {
          f32: streamsPerStepFor(major, 'f32'),
          f16: streamsPerStepFor(major, 'f16'),
          int8: streamsPerStepFor(major, 'int8'),
        },
        why: `V8 ${major}`,
      });
      expect(describeStreamForm(engineStreamForm())).toMatch(
        new RegExp(`^linear kernels: [24] weight streams per step.* \\(V8 ${major}\\)$`),
      );
    } finally {
      if (fromEnv !== undefined) process.env[STREAMS_PER_STEP_SWITCH] = fromEnv;
    }
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
    globals[STREAMS_PER_STEP_SWITCH] = 4;
    expect(engineStreamForm().streamsPerStep).toEqual({ f32: 4, f16: 4, int8: 4 });
    globals[STREAMS_PER_STEP_SWITCH] = '2';
    expect(engineStreamForm().streamsPerStep).toEqual({ f32: 2, f16: 2, int8: 2 });
    expect(describeStreamForm(engineStreamForm())).toBe(
      `linear kernels: 2 weight streams per step (${STREAMS_PER_STEP_SWITCH} set)`,
    );
    globals[STREAMS_PER_STEP_SWITCH] = 3;
    expect(() => engineStreamForm()).toThrow(/GPT2JS_WASM_STREAMS_PER_STEP must be 2 or 4, got 3/);
  });

  it.each(['f32', 'f16', 'int8'] as const)(
    'gives a row the same bits in decode and prefill in either form, close to the reference (%s)',
    async (dtype) => {
      const K = 200; // not a multiple of 16 (f32/f16 k slots) nor of 8 (int8 k pairs): padded
      const N = 72;
      const rnd = seededRandom(11);
      const w = randomArray(rnd, K * N, 0.1);
      const bias = randomArray(rnd, N);
      const x = randomArray(rnd, 21 * K);
      const reference = createReferenceBackend();
      const rw = reference.weight(w, [K, N], { dtype });
      const op = (be: Backend, weight: Weight, R: number) =>
        be.scope(async () =>
          linear(be.tensor(x.subarray(0, R * K), [R, K]), weight, be.tensor(bias, [N]), {
            activation: 'gelu_new',
          }).toArray(),
        );
      const forms: Float32Array[] = [];
      for (const step of [2, 4]) {
        globals[STREAMS_PER_STEP_SWITCH] = step;
        const backend = await createBackend({ backend: 'webasm' });
        expect(backend.report().reason).toContain(`linear kernels: ${step} weight streams per step`);
        const weight = backend.weight(w, [K, N], { dtype });
        // 1 and 3 rows: the decode kernel; 21: two prefill calls, the second partly zero rows
        const [one, three, all] = [
          await op(backend, weight, 1),
          await op(backend, weight, 3),
          await op(backend, weight, 21),
        ];
        expect(Array.from(one), `form ${step}`).toEqual(Array.from(all.subarray(0, N)));
        expect(Array.from(three), `form ${step}`).toEqual(Array.from(all.subarray(0, 3 * N)));
        const want = await op(reference, rw, 21);
        expect(relativeError(all, want), `form ${step}`).toBeLessThan(dtype === 'int8' ? 2e-2 : 1e-5);
        forms.push(all);
        backend.dispose();
      }
      // int8 sums k in order in both forms; f32 and f16 in halves with four streams per step
      // (test/codegen/sum-order.test.ts), which moves last bits only
      if (dtype === 'int8') expect(Array.from(forms[0]!)).toEqual(Array.from(forms[1]!));
      else expect(relativeError(forms[1]!, forms[0]!)).toBeLessThan(1e-6);
      reference.dispose();
    },
  );
});
