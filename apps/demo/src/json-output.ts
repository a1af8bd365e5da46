// The shape of `gpt2js --json`: one object, Hugging Face-style snake_case keys, numbers rounded only
// where they are timings.

/** Everything the JSON output is made from, as the CLI collected it. */
export interface JsonOutputInput {
  prompt: string;
  promptIds: readonly number[];
  /** One entry per returned sequence: the new token ids only (not the prompt). */
  sequences: readonly { ids: readonly number[]; text: string }[];
  promptLogprob: number;
  /** Per generated step of the first sequence: the 20 highest raw logits, [id, logit] pairs, descending. */
  steps: readonly (readonly [number, number])[][];
  backend: string;
  dtype: string;
  finishReason: string;
  timings: { loadMs: number; prefillMs: number; decodeTokensPerS: number };
}

/** The `--json` object (before JSON.stringify). */
export interface JsonOutput {
  prompt: string;
  prompt_ids: number[];
  generated_ids: number[];
  generated_text: string;
  prompt_logprob: number;
  steps: { top: [number, number][] }[];
  backend: string;
  dtype: string;
  finish_reason: string;
  timings: { load_ms: number; prefill_ms: number; decode_tokens_per_s: number };
  /** Only with --num-return-sequences > 1: every sequence (the first one is also at the top level). */
  sequences?: { generated_ids: number[]; generated_text: string }[];
}

const round = (x: number, digits: number) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);

/**
 * Builds the `--json` object.
 *
 * @example
 * JSON.stringify(shapeJsonOutput(input)); // '{"prompt_ids":[15496,…],"generated_ids":[…],…}'
 */
export function shapeJsonOutput(input: JsonOutputInput): JsonOutput {
  const [first] = input.sequences;
  const out: JsonOutput = {
    prompt: input.prompt,
    prompt_ids: [...input.promptIds],
    generated_ids: [...(first?.ids ?? [])],
    generated_text: first?.text ?? '',
    prompt_logprob: input.promptLogprob,
    steps: input.steps.map((top) => ({ top: top.map(([id, logit]) => [id, logit] as [number, number]) })),
    backend: input.backend,
    dtype: input.dtype,
    finish_reason: input.finishReason,
    timings: {
      load_ms: round(input.timings.loadMs, 1) as number,
      prefill_ms: round(input.timings.prefillMs, 1) as number,
      decode_tokens_per_s: round(input.timings.decodeTokensPerS, 2) as number,
    },
  };
  if (input.sequences.length > 1) {
    out.sequences = input.sequences.map((s) => ({ generated_ids: [...s.ids], generated_text: s.text }));
  }
  return out;
}
