// How many of a weight's four streams one step of a linear kernel's loop reads (ops/linear-webasm.ts: the
// decode kernels of every storage and the f32/f16 prefill kernel; the int8 prefill kernel has one form):
// the better form depends on the WebAssembly compiler, so it is chosen per engine.
//
// All four streams in one step (unrolled) is what V8 13.6 and later compile well. V8 up to 12.9 (Node 20 to
// 23, Chromium before ≈ 130) schedules all the loads of such a step (20 in the f32 prefill kernel, 20 vectors
// and the mask in the decode kernels) before its arithmetic, runs out of its 15 vector registers and
// spills accumulators and loaded vectors on every step; two streams per step of an inner loop fit better.
// Measured on a 2-core AMD EPYC, unrolled → two per step:
// - prefill, 128×768·768×3072, 2 threads, best of 100 calls, GFLOP/s: Node 20 with FMA f32 35 → 47, f16
//   34 → 45; Node 22 f32 34 → 48, f16 35 → 45; Node 23 f32 35 → 50, f16 35 → 46; Node 24 (V8 13.6) f32
//   53 → 52, f16 52 → 44; Chromium 156, GPT-2 124M time to first token f32 493 → 517 ms, f16 479 → 563 ms;
// - decode, 1×3072·3072×768 from the cache, 1 thread, best of 300 calls, GB/s of weights: Node 20 f32
//   41 → 51, with FMA 36 → 54; f16 16 → 16, with FMA 17 → 20; int8 19.5 → 20.3; Node 24 f32 54 → 54,
//   f16 13.6 → 13.3, int8 22.3 → 20.5.
// Other engines keep the unrolled form (not measured).
// The form with four streams per step sums f32/f16 outputs in halves (ops/linear-webasm.ts: streams 0–1 and
// 2–3 apart, added last), so that its prefill kernel runs as two flat loops of two streams each instead of
// one loop of four (V8 13.6, Node 24, GPT-2 124M time to first token 0.76–0.89×, decoding unchanged or
// faster; on V8 11 the eight accumulators of that decode kernel cost 15 % of f32 decoding, so the form with
// two streams per step keeps k in order). In either form a row gets the same bits from decode and prefill;
// the two forms' f32/f16 bits differ in the last places (int8 sums k in order in both).

import { switchSources } from '../codegen/switches.js';

export type StreamsPerStep = 2 | 4;

/** Override: `GPT2JS_WASM_STREAMS_PER_STEP=2|4` (Node) or `globalThis.GPT2JS_WASM_STREAMS_PER_STEP = 2 | 4`. */
export const STREAMS_PER_STEP_SWITCH = 'GPT2JS_WASM_STREAMS_PER_STEP';

/** The form for a V8 major version (undefined: not V8, or unknown). */
export function streamsPerStepFor(v8Major: number | undefined): StreamsPerStep {
  return v8Major !== undefined && v8Major < 13 ? 2 : 4;
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

/** A form and why this engine got it (for the backend's report). */
export interface StreamForm {
  readonly streamsPerStep: StreamsPerStep;
  readonly why: string;
}

/** The form this engine gets: the override if set to 2 or 4, else by V8 version. */
export function engineStreamForm(): StreamForm {
  const forced = overrideValue();
  if (forced !== undefined) return { streamsPerStep: forced, why: `${STREAMS_PER_STEP_SWITCH} set` };
  const v8 = v8MajorVersion();
  return {
    streamsPerStep: streamsPerStepFor(v8),
    why: v8 === undefined ? 'engine version unknown' : `V8 ${v8}`,
  };
}

/** The report's words for a form. */
export function describeStreamForm(form: StreamForm): string {
  return `linear kernels: ${form.streamsPerStep} weight streams per step (${form.why})`;
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
