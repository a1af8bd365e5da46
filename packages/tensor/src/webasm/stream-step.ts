// How many of a weight's four streams one step of a linear kernel's loop reads (ops/linear-webasm.ts: the
// decode kernels of every storage and the f32/f16 prefill kernel; the int8 prefill kernel takes one pass
// over its four rows in form four, two passes of two rows in form two): the better form depends on the
// WebAssembly compiler and on the storage, so it is chosen per engine and per storage.
//
// Four streams per step is the form of V8 12 and later (Node 22+, Chromium 120+) and of other engines, for
// every storage; V8 11 (Node 20, Chromium before 120) takes four for f32 and two for f16 and int8.
// - Four: the decode kernels read all four streams in one step (unrolled); the f32/f16 kernels sum k in
//   halves (ops/linear-webasm.ts: streams 0–1 and 2–3 apart, added last), so that the prefill kernel runs as
//   two flat loops of two streams each, which V8 compiles without spills (a loop of all four streams per step,
//   k in order, had its 20 loads scheduled before its arithmetic and spilled accumulators on every step).
// - Two: every kernel sums k in order, two streams per step of an inner loop. On V8 11 the prefill kernel of
//   this form runs ≈ 21 GFLOP/s per thread in the model (f32), against a WebAssembly SIMD peak of ≈ 58 on this
//   machine's cores: its inner loop of two and the addresses recomputed on every outer step cost as much as
//   the arithmetic.
// Measured on a 2-core AMD EPYC, GPT-2 124M, alternating processes, form two → four (medians of 3–6 pairs):
// time to first token Node 24 f32 0.73–0.86×, f16 0.89×; Node 22 f32 0.72×, f16 0.79×; Node 20 f32 0.72×;
// decoding Node 24 and Node 22 unchanged (f32 49.6 → 52.1, f16 78.1 → 77.4 tokens/s on Node 22), Node 20 f32
// 0.92× (without fused multiply-adds, the eight accumulators of the four-stream decode kernel cost it).
// Again on Node 20 (AMD EPYC Zen 5, 2026-12-07, both forms loaded in one process, generations alternated, 6–8
// rounds of a 128-token prompt and 96 greedy tokens): f32 time to first token 0.80× (513 → 409 ms), 0.78×
// with fused multiply-adds, decoding 0.96–0.98×; f16 time to first token 0.92× (0.82× with fused
// multiply-adds), decoding 0.94× (0.85×); int8 (decode kernel only) decoding 0.92×. Hence V8 11 takes four
// for f32 only: ≈ 100 ms off a 128-token prompt for ≈ 3 % of decoding speed. The int8 prefill kernel in two
// passes of two rows (form two): one product 128×768·768×3072 on one thread 1.18–1.22× faster on V8 11 (V8 loads
// all sixteen activation pairs of a four-row step first and spills them), 0.88× on V8 13; GPT-2 124M time to
// first token on Node 20 321 → 269 ms (both forms in one process, 8 rounds).
// In either form a row gets the same bits from decode and prefill; the forms' f32/f16 bits differ in the last
// places (int8 sums k in order in both).

import { switchSources } from '../codegen/switches.js';

export type StreamsPerStep = 2 | 4;

/** Override: `GPT2JS_WASM_STREAMS_PER_STEP=2|4` (Node) or `globalThis.GPT2JS_WASM_STREAMS_PER_STEP = 2 | 4`. */
export const STREAMS_PER_STEP_SWITCH = 'GPT2JS_WASM_STREAMS_PER_STEP';

/** A weight's storage, as the linear kernels see it. */
export type StreamStorage = 'f32' | 'f16' | 'int8';

/** The form for a V8 major version (undefined: not V8, or unknown) and a weight storage. */
export function streamsPerStepFor(v8Major: number | undefined, storage: StreamStorage): StreamsPerStep {
  return v8Major !== undefined && v8Major < 12 && storage !== 'f32' ? 2 : 4;
}

/** V8's major version in Node (process.versions.v8) or a Chromium page (Chrome M ships V8 ⌊M/10⌋). */
export function v8MajorVersion(
  scope: {
    process?: { versions?: Record<string, string | undefined> };
    navigator?: { userAgent?: string };
  } = globalThis,
): number | undefined {
  const v8 = scope.process?.versions?.v8;
  if (v8) return Number.parseInt(v8, 10);
  // "Chrome/156.0…", "HeadlessChrome/156.0…", "Chromium/…"
  const chrome = /Chrom(?:e|ium)\/(\d+)\./.exec(scope.navigator?.userAgent ?? '');
  return chrome ? Math.floor(Number(chrome[1]) / 10) : undefined;
}

/** A form per storage and why this engine got it (for the backend's report). */
export interface StreamForm {
  readonly streamsPerStep: Readonly<Record<StreamStorage, StreamsPerStep>>;
  readonly why: string;
}

const STORAGES: readonly StreamStorage[] = ['f32', 'f16', 'int8'];

/** The form this engine gets: the override if set to 2 or 4 (every storage), else by V8 version. */
export function engineStreamForm(): StreamForm {
  const forced = overrideValue();
  if (forced !== undefined) {
    return {
      streamsPerStep: { f32: forced, f16: forced, int8: forced },
      why: `${STREAMS_PER_STEP_SWITCH} set`,
    };
  }
  const v8 = v8MajorVersion();
  return {
    streamsPerStep: {
      f32: streamsPerStepFor(v8, 'f32'),
      f16: streamsPerStepFor(v8, 'f16'),
      int8: streamsPerStepFor(v8, 'int8'),
    },
    why: v8 === undefined ? 'engine version unknown' : `V8 ${v8}`,
  };
}

/** The report's words for a form: "4 weight streams per step" or "… per step for f32, 2 for f16 and int8". */
export function describeStreamForm(form: StreamForm): string {
  const steps = form.streamsPerStep;
  const [first, ...rest] = [...new Set(STORAGES.map((s) => steps[s]))];
  if (rest.length === 0) return `linear kernels: ${first} weight streams per step (${form.why})`;
  const named = (n: StreamsPerStep) => STORAGES.filter((s) => steps[s] === n).join(' and ');
  const others = rest.map((n) => `${n} for ${named(n)}`).join(', ');
  return `linear kernels: ${first} weight streams per step for ${named(first)}, ${others} (${form.why})`;
}

/** The override's value: a page's global first, then the environment variable. */
function overrideValue(): StreamsPerStep | undefined {
  const { env, global } = switchSources(STREAMS_PER_STEP_SWITCH);
  const raw = global ?? env;
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (value === 2 || value === 4) return value;
  throw new RangeError(`${STREAMS_PER_STEP_SWITCH} must be 2 or 4, got ${JSON.stringify(raw)}`);
}
