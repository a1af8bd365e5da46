// What the generation loop reports: token events, step events (raw logits for UIs), the final result, stats.

import type { GenerationOptions } from './options/generation-options.js';

/** One generated token. */
export interface TokenEvent {
  /** The token id. */
  readonly id: number;
  /** New decoded text this token makes safe to show ('' without `decode`, or while held back). */
  readonly text: string;
  /** Position among this row's generated tokens, from 0. */
  readonly index: number;
  /** The row (sampled sequence, or returned beam) it belongs to. */
  readonly row: number;
}

/** Raw (unprocessed) logits of one decoding step, for UIs that show the candidates. */
export interface StepEvent {
  /** Step number, from 0 (the step after the prompt). */
  readonly step: number;
  /** Per batch row: the `stepTopK` largest raw logits, descending (ties → lower id first). */
  readonly topk: readonly { readonly indices: Int32Array; readonly values: Float32Array }[];
  /** Per batch row: the id chosen at this step, −1 for rows already finished; absent for beam search. */
  readonly ids?: readonly number[];
}

/** Why a sequence ended. */
export type FinishReason = 'length' | 'eos' | 'stop_string' | 'aborted';

/** Timings and counts of one run. */
export interface GenerationStats {
  /** Tokens fed as prompt (after truncation, [bos] for an empty prompt). */
  readonly promptTokens: number;
  /** Prompt tokens dropped by on_context_overflow: 'truncate_left'. */
  readonly droppedPromptTokens: number;
  /** Generated tokens, summed over the returned sequences. */
  readonly generatedTokens: number;
  /** From the start of the run to the first chosen token (prefill included). */
  readonly timeToFirstTokenMs: number;
  /** Time of the prompt forward pass. */
  readonly prefillMs: number;
  /** From the first token to the end of the run. */
  readonly decodeMs: number;
  readonly totalMs: number;
  /** Tokens appended per second after the first token (one per live row per step; 0 when there was no such step). */
  readonly tokensPerSecond: number;
}

/** What `generate` returns when it ends. */
export interface GenerationResult {
  /** Prompt + generated ids per returned sequence (HF `sequences`, without padding; EOS kept when produced). */
  readonly sequences: number[][];
  /** Generated ids only, per returned sequence. */
  readonly generatedIds: number[][];
  /** Decoded generated text per sequence when `decode` was given: EOS excluded, cut before a stop string. */
  readonly texts?: string[];
  /** 'aborted' when the signal fired, else the first sequence's reason. */
  readonly finishReason: FinishReason;
  readonly finishReasons: FinishReason[];
  /** Beam search only: the length-penalised score of each returned sequence (HF `sequences_scores`). */
  readonly scores?: number[];
  /** The seed used when sampling (pass it back as `seed` to reproduce the run). */
  readonly seed?: number | bigint;
  readonly stats: GenerationStats;
}

/** Run-time hooks that may share the options object (camelCase: they are not generation_config keys). */
export interface GenerationHooks {
  /** Aborting ends the run cleanly: finishReason 'aborted', sessions and logits disposed. */
  signal?: AbortSignal;
  /** ids → text (e.g. a tokenizer's decode); enables `text` deltas, `texts` and `stop_strings`. */
  decode?: (ids: number[]) => string;
  /** Called for every token, before the async iterator yields it. */
  onToken?: (event: TokenEvent) => void;
  /** Called once per step with the raw top-k logits. */
  onStep?: (event: StepEvent) => void;
  /** How many raw logits `onStep` receives per row; integer ≥ 1, default 20. */
  stepTopK?: number;
}

/** Options of `generate`: generation options (snake_case, HF names) plus run-time hooks. */
export type GenerateOptions = GenerationOptions & GenerationHooks;

/** The hook names, accepted next to the generation options. */
export const HOOK_NAMES = ['signal', 'decode', 'onToken', 'onStep', 'stepTopK'] as const;
