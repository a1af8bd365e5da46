// The generation options: Hugging Face `generate()` / generation_config.json names, snake_case, one convention.
// Defaults and ranges are listed in the README's options table; `validate.ts` enforces them.

/**
 * Decoding options, named exactly like Hugging Face's `GenerationConfig` (snake_case), with HF semantics
 * unless a field says otherwise. A parsed `generation_config.json` may be spread in as is: its bookkeeping
 * keys (`_from_model_config`, `transformers_version`, `output_scores`, …) are ignored.
 */
export interface GenerationOptions {
  /** New tokens to generate, integer ≥ 1. Default 20 when neither this nor `max_length` is set. */
  max_new_tokens?: number;
  /** Total length (prompt + new), integer ≥ 1, used when `max_new_tokens` is absent (HF semantics). */
  max_length?: number;
  /** EOS is suppressed until this many new tokens exist (integer ≥ 0, default 0). */
  min_new_tokens?: number;
  /** EOS is suppressed until the whole sequence has this many tokens (integer ≥ 0, default 0). */
  min_length?: number;
  /** Sample (true) or take the argmax / beam search (false, default). */
  do_sample?: boolean;
  /** Divides the logits when sampling; ≥ 0, default 1; 0 means greedy (HF raises on 0, OpenAI treats it as greedy). */
  temperature?: number;
  /** Keep the k most likely tokens when sampling (ties with the k-th kept, like HF); integer ≥ 0, 0 = off, default 50 (HF's default). */
  top_k?: number;
  /** Nucleus: keep the smallest set of most likely tokens whose probability reaches p; (0, 1], default 1 (off). */
  top_p?: number;
  /** Keep tokens whose probability ≥ min_p · (top probability); [0, 1], default off. */
  min_p?: number;
  /** Locally typical sampling mass; (0, 1], default 1 (off). */
  typical_p?: number;
  /** Drop tokens with probability < epsilon; [0, 1), default 0 (off). */
  epsilon_cutoff?: number;
  /** Eta sampling: drop tokens with probability < min(eta, √eta·exp(−entropy)); [0, 1), default 0 (off). */
  eta_cutoff?: number;
  /** HF/CTRL repetition penalty over prompt + generated ids: positive logits ÷ penalty, negative × penalty; > 0, default 1. */
  repetition_penalty?: number;
  /** OpenAI presence penalty: logit −= presence_penalty if the token was generated (not counting the prompt); finite, default 0. */
  presence_penalty?: number;
  /** OpenAI frequency penalty: logit −= frequency_penalty · (times generated, prompt not counted); finite, default 0. */
  frequency_penalty?: number;
  /** Forbid repeating any n-gram of this size (prompt included); integer ≥ 0, default 0 (off). */
  no_repeat_ngram_size?: number;
  /** Token sequences that must not be generated (each a non-empty list of ids). */
  bad_words_ids?: number[][];
  /** HF sequence bias: `[[ids…], bias]` pairs; the bias is added to the last id when the others end the text. */
  sequence_bias?: [number[], number][];
  /** OpenAI-style `{ id: bias }` map added to the logits every step (−Infinity bans a token). */
  logit_bias?: Record<number | string, number>;
  /** Ids that are never generated. */
  suppress_tokens?: number[];
  /** Ids that are not generated as the first new token. */
  begin_suppress_tokens?: number[];
  /** Forces this id as the first token when the prompt is one token long (HF semantics). */
  forced_bos_token_id?: number;
  /** Forces this id (or the first of these) as the last token when max_length is reached. */
  forced_eos_token_id?: number | number[];
  /** Replace NaN by 0 and ±Infinity by ±float32 max instead of raising (HF `remove_invalid_values`); default false. */
  remove_invalid_values?: boolean;
  /** Log-softmax the processed scores (HF `renormalize_logits`); default false. */
  renormalize_logits?: boolean;
  /** Beams for beam search; integer ≥ 1, default 1 (no beam search). */
  num_beams?: number;
  /** Beam scores are divided by (generated length)^length_penalty; finite, default 1. */
  length_penalty?: number;
  /** Beam search stop rule: true, false (HF heuristic, default) or 'never'. */
  early_stopping?: boolean | 'never';
  /** Sequences to return: sampled rows, or the best beams (≤ num_beams); integer ≥ 1, default 1. */
  num_return_sequences?: number;
  /** Start token for an empty prompt (falls back to the first eos id, like GPT-2's <|endoftext|>). */
  bos_token_id?: number;
  /** Generation of a row stops after any of these ids (the id is kept in `sequences`, not in `texts`). */
  eos_token_id?: number | number[];
  /** Fed to rows that already finished while other rows continue; default: the first eos id, else 0. */
  pad_token_id?: number;
  /** Stop when the decoded text contains any of these (matched across token boundaries; needs `decode`). */
  stop_strings?: string | string[];
  /** Sampling seed (integer in [0, 2^53) or a bigint < 2^64); random when absent and reported in the result. */
  seed?: number | bigint;
  /**
   * Not an HF option. When prompt + max_new_tokens exceeds the model's context: 'error' (default) raises,
   * 'stop' generates until the context is full, 'truncate_left' drops the oldest prompt tokens.
   */
  on_context_overflow?: 'error' | 'stop' | 'truncate_left';
}

/** The options after validation: defaults filled in, lists normalised. */
export interface GenerationConfig {
  max_new_tokens: number | undefined;
  max_length: number | undefined;
  min_new_tokens: number;
  min_length: number;
  do_sample: boolean;
  temperature: number;
  top_k: number;
  top_p: number;
  min_p: number | undefined;
  typical_p: number;
  epsilon_cutoff: number;
  eta_cutoff: number;
  repetition_penalty: number;
  presence_penalty: number;
  frequency_penalty: number;
  no_repeat_ngram_size: number;
  bad_words_ids: number[][];
  /** `sequence_bias` followed by `logit_bias` as one-token sequences. */
  sequence_bias: [number[], number][];
  suppress_tokens: number[];
  begin_suppress_tokens: number[];
  forced_bos_token_id: number | undefined;
  forced_eos_token_id: number[];
  remove_invalid_values: boolean;
  renormalize_logits: boolean;
  num_beams: number;
  length_penalty: number;
  early_stopping: boolean | 'never';
  num_return_sequences: number;
  bos_token_id: number | undefined;
  eos_token_id: number[];
  pad_token_id: number | undefined;
  stop_strings: string[];
  seed: number | bigint | undefined;
  on_context_overflow: 'error' | 'stop' | 'truncate_left';
}
