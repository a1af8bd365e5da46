// How many of a weight's four streams one step of the f32/f16 prefill kernel's loop reads (rowsSource in
// ops/linear-webasm.ts): the better form depends on the WebAssembly compiler, so it is chosen per engine.
//
// All four streams in one step (unrolled) is what V8 13.6 and later compile well. V8 up to 12.9 (Node 20 to
// 23, Chromium before ≈ 130) schedules all 20 loads of such a step before its arithmetic, runs out of its 15
// vector registers and spills two of the four accumulators on every step; two streams per step of an inner
// loop fit. Measured on a 2-core AMD EPYC, 128×768·768×3072, best of 100 calls, GFLOP/s unrolled → two per
// step: Node 20 with FMA f32 35 → 47, f16 34 → 45; Node 22 f32 34 → 48, f16 35 → 45; Node 23 f32 35 → 50,
// f16 35 → 46; Node 24 (V8 13.6) f32 53 → 52, f16 52 → 44; Chromium 156 time to first token of GPT-2 124M,
// f32 493 → 517 ms, f16 479 → 563 ms. Other engines keep the unrolled form (not measured).
// Both forms sum every output in the same order: the bits do not depend on the choice.

export type StreamsPerStep = 2 | 4;

/** Override: `GPT2JS_WASM_PREFILL_STREAMS=2|4` (Node) or `globalThis.GPT2JS_WASM_PREFILL_STREAMS = 2 | 4`. */
export const PREFILL_STREAMS_SWITCH = 'GPT2JS_WASM_PREFILL_STREAMS';

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

/** The form this engine gets: the override if set to 2 or 4, else by V8 version. */
export function prefillStreamsPerStep(): StreamsPerStep {
  const forced = overrideValue();
  return forced ?? streamsPerStepFor(v8MajorVersion());
}

function overrideValue(): StreamsPerStep | undefined {
  const globals = globalThis as { process?: { env?: Record<string, string | undefined> } } & Record<
    string,
    unknown
  >;
  const raw = globals[PREFILL_STREAMS_SWITCH] ?? globals.process?.env?.[PREFILL_STREAMS_SWITCH];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (value === 2 || value === 4) return value;
  throw new RangeError(`${PREFILL_STREAMS_SWITCH} must be 2 or 4, got ${JSON.stringify(raw)}`);
}

/** For the backend's report: which form this engine gets, and why. */
export function describePrefillStep(): string {
  const step = prefillStreamsPerStep();
  const why =
    overrideValue() !== undefined
      ? `${PREFILL_STREAMS_SWITCH} set`
      : v8MajorVersion() === undefined
        ? 'engine version unknown'
        : `V8 ${v8MajorVersion()}`;
  return `prefill kernel: ${step} weight streams per step (${why})`;
}
