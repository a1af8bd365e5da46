// The causal-LM seam: the minimal interface a model implements so that `generate` can drive it.
// The sampling package knows nothing about GPT-2, tensors or GPU.js; `@gpt2js/gpt2` implements these.

/**
 * The last-position logits of each batch row after one forward call, possibly still on the device.
 * Shape: [batch, vocabSize]. Read what you need (one full row, the argmax, the top-k), then `dispose()`.
 */
export interface StepLogits {
  readonly batch: number;
  readonly vocabSize: number;
  /**
   * Full rows, one Float32Array of length vocabSize per batch row: copies the caller owns (`generate` runs
   * its logits processors on them in place), never views of the model's own state. Given `into` (batch ×
   * vocabSize values), the rows should be written there and returned as views of it: `generate` passes the
   * same array every step, so a step does not allocate 200 KB a row. A model may ignore it and return fresh
   * copies.
   */
  read(into?: Float32Array): Promise<Float32Array[]>;
  /** Per row, the id of the largest logit; ties → lowest id (device-side when available). */
  argmax(): Promise<Int32Array>;
  /** Per row, the k largest logits, sorted descending; ties → lower id first. */
  topk(k: number): Promise<{ indices: Int32Array; values: Float32Array }[]>;
  /** Frees device memory. Calling it twice is harmless. */
  dispose(): void;
}

/** One generation's state on the model side (its KV cache). Owned by `generate`, which disposes it. */
export interface CausalLMSession {
  /**
   * Appends tokens to every row and returns the logits after the last one.
   * ids: [batch][new tokens], the same number of new tokens in every row.
   */
  forward(ids: readonly (readonly number[])[]): Promise<StepLogits>;
  /** Beam search: new row i takes the cache of old row `rows[i]` (rows.length === batch). */
  reorder(rows: readonly number[]): void;
  /** Tokens currently in the cache (per row). */
  readonly length: number;
  dispose(): void;
}

/** A causal language model as `generate` sees it. */
export interface CausalLM {
  readonly vocabSize: number;
  /** The context size (n_positions): prompt + generated tokens must fit. */
  readonly maxLength: number;
  /** Opens a session for `batch` rows (sampling with num_return_sequences, or num_beams for beam search). */
  createSession(batch: number): CausalLMSession;
}
