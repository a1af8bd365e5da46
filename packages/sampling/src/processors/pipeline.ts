// Builds the processor list from a GenerationConfig, in Hugging Face's order.
//
// Order source: transformers `GenerationMixin._get_logits_processor` (src/transformers/generation/utils.py,
// v4.4x–4.5x): sequence_bias → repetition_penalty → no_repeat_ngram_size → bad_words_ids → min_length →
// min_new_tokens → forced_bos_token_id → forced_eos_token_id → remove_invalid_values → suppress_tokens →
// begin_suppress_tokens; then, only when sampling, the warpers temperature → top_k → top_p → min_p →
// typical_p → epsilon_cutoff → eta_cutoff; and renormalize_logits last.
// Additions HF does not have: `logit_bias` is folded into sequence_bias (one-token sequences), and the
// OpenAI presence/frequency penalties run right after repetition_penalty.

import type { GenerationConfig } from '../options/generation-options.js';
import { noBadWords, sequenceBias, suppressTokens, suppressTokensAtBegin } from './bias.js';
import { forcedBos, forcedEos, minLength, minNewTokens, removeInvalidValues } from './length.js';
import { noRepeatNgram } from './no-repeat-ngram.js';
import { presenceFrequencyPenalty, repetitionPenalty } from './penalties.js';
import type { LogitsProcessor, ProcessorContext } from './types.js';
import {
  epsilonCutoff,
  etaCutoff,
  logitNormalization,
  minP,
  temperature,
  topK,
  topP,
  typicalP,
} from './warpers.js';

/** One entry of the pipeline: the processor, its HF option name, and when it can change an argmax. */
export interface PipelineStep {
  /** The option that enabled it, e.g. `repetition_penalty`. */
  readonly name: string;
  readonly process: LogitsProcessor;
  /** False when the step is known to leave the argmax unchanged at `ctx` (lets greedy skip the full read). */
  readonly affectsArgmax: (ctx: ProcessorContext) => boolean;
  /** False when the step is known to leave the whole row unchanged at `ctx` (e.g. min_length once reached). */
  readonly changes: (ctx: ProcessorContext) => boolean;
}

/**
 * What decides a sampled step when it can only pick among the row's `k + extra` largest logits
 * (candidates.ts). The functions work on rows of candidates, `values[j]` the logit of token `ids[j]`.
 */
export interface CandidatePlan {
  /** top_k's k, raised to minTokensToKeep; 1 for greedy decoding (the argmax). */
  readonly k: number;
  /** How many ids a penalty before top_k may lower at this step (so the candidates are the top k + extra). */
  readonly extra: number;
  /** The order-keeping steps before top_k (temperature, or none), on values of any tokens no penalty touches. */
  readonly order: (values: Float32Array) => Float32Array;
  /** Every step before top_k that changes the row at this step. */
  readonly before: (values: Float32Array, ids: Int32Array) => Float32Array;
  /** The rest of the pipeline: top_k and the steps after it (greedy: none). */
  readonly after: (values: Float32Array, ids: Int32Array) => Float32Array;
}

/** The processors of one generation, in application order. */
export interface LogitsPipeline {
  readonly steps: readonly PipelineStep[];
  /** Runs every step in order on one copy of `logits` (returned as is when there are no steps); `logits` is not mutated. */
  apply(logits: Float32Array, ctx: ProcessorContext): Float32Array;
  /**
   * `apply` without the copy, for a row the caller owns and does not read again (the generation loop's rows,
   * read back for that step): the steps that work in place write into `logits`. Returns the processed row.
   */
  applyInPlace(logits: Float32Array, ctx: ProcessorContext): Float32Array;
  /** True when some step may change which token has the largest logit at `ctx`. */
  affectsArgmax(ctx: ProcessorContext): boolean;
  /**
   * When the processed row at `ctx` keeps only tokens among the row's k + extra largest logits: there is a
   * top_k; every step before it is temperature (an order-keeping map), a penalty that can only lower the
   * logits of `extra` ids in all, or leaves the row unchanged at `ctx`; and every step after it looks only
   * at the tokens still live. Without sampling the argmax is the top 1 and every step counts as before it.
   * Undefined otherwise.
   */
  candidates(ctx: ProcessorContext): CandidatePlan | undefined;
}

export interface PipelineSetup {
  /** Whether the warpers (temperature … eta) apply: HF applies them only when sampling. */
  sampling: boolean;
  /** Prompt length, for begin_suppress_tokens' begin index. */
  promptLength: number;
  /** 1 for sampling; number of EOS ids + 1 (at least 2) for beam sampling, as HF does. */
  minTokensToKeep: number;
}

const always = (): boolean => true;
const never = (): boolean => false;

/** Steps that may run after top_k on a row of candidates: functions of the live tokens (in id order) only. */
const LIVE_ONLY = new Set([
  'top_p',
  'min_p',
  'typical_p',
  'epsilon_cutoff',
  'eta_cutoff',
  'renormalize_logits',
]);

/**
 * Builds the pipeline for `config`. Each step is included only when its option changes something,
 * as HF does (e.g. no temperature step for temperature 1).
 *
 * @example
 * ```ts
 * const pipe = buildLogitsPipeline(validateGenerationOptions({ do_sample: true, top_k: 2, temperature: 0.5 }),
 *   { sampling: true, promptLength: 1, minTokensToKeep: 1 });
 * pipe.steps.map((s) => s.name); // ['temperature', 'top_k']
 * ```
 */
export function buildLogitsPipeline(config: GenerationConfig, setup: PipelineSetup): LogitsPipeline {
  const steps: PipelineStep[] = [];
  // a step whose argmax condition is not `always` leaves the row unchanged when it is false, except the
  // warpers (`never`: order-keeping or truncating, but they change the row)
  const add = (
    name: string,
    process: LogitsProcessor,
    affectsArgmax: PipelineStep['affectsArgmax'],
    changes: PipelineStep['changes'] = affectsArgmax,
  ): void => {
    steps.push({ name, process, affectsArgmax, changes });
  };
  let topKeep = 0;
  const eos = config.eos_token_id;
  const generated = (ctx: ProcessorContext): number => ctx.inputIds.length - ctx.promptLength;

  if (config.sequence_bias.length > 0) add('sequence_bias', sequenceBias(config.sequence_bias), always);
  if (config.repetition_penalty !== 1)
    add('repetition_penalty', repetitionPenalty(config.repetition_penalty), always);
  if (config.presence_penalty !== 0 || config.frequency_penalty !== 0) {
    add(
      'presence_penalty/frequency_penalty',
      presenceFrequencyPenalty(config.presence_penalty, config.frequency_penalty),
      (ctx) => generated(ctx) > 0,
    );
  }
  const n = config.no_repeat_ngram_size;
  if (n > 0) add('no_repeat_ngram_size', noRepeatNgram(n), (ctx) => ctx.inputIds.length + 1 >= n);
  if (config.bad_words_ids.length > 0) add('bad_words_ids', noBadWords(config.bad_words_ids, eos), always);
  if (config.min_length > 0 && eos.length > 0) {
    add('min_length', minLength(config.min_length, eos), (ctx) => ctx.inputIds.length < config.min_length);
  }
  if (config.min_new_tokens > 0 && eos.length > 0) {
    add(
      'min_new_tokens',
      minNewTokens(config.min_new_tokens, eos),
      (ctx) => generated(ctx) < config.min_new_tokens,
    );
  }
  const bos = config.forced_bos_token_id;
  if (bos !== undefined) add('forced_bos_token_id', forcedBos(bos), (ctx) => ctx.inputIds.length === 1);
  if (config.forced_eos_token_id.length > 0) {
    add(
      'forced_eos_token_id',
      forcedEos(config.forced_eos_token_id),
      (ctx) => ctx.inputIds.length === ctx.maxLength - 1,
    );
  }
  if (config.remove_invalid_values) add('remove_invalid_values', removeInvalidValues(), always);
  if (config.suppress_tokens.length > 0)
    add('suppress_tokens', suppressTokens(config.suppress_tokens), always);
  if (config.begin_suppress_tokens.length > 0) {
    const begin = setup.promptLength > 1 || bos === undefined ? setup.promptLength : setup.promptLength + 1;
    add(
      'begin_suppress_tokens',
      suppressTokensAtBegin(config.begin_suppress_tokens, begin),
      (ctx) => ctx.inputIds.length === begin,
    );
  }
  if (setup.sampling) {
    const keep = setup.minTokensToKeep;
    if (config.temperature !== 1) add('temperature', temperature(config.temperature), never, always);
    if (config.top_k !== 0) {
      add('top_k', topK(config.top_k, keep), never, always);
      topKeep = Math.max(config.top_k, keep);
    }
    if (config.top_p < 1) add('top_p', topP(config.top_p, keep), never, always);
    if (config.min_p !== undefined) add('min_p', minP(config.min_p, keep), never, always);
    if (config.typical_p < 1) add('typical_p', typicalP(config.typical_p, keep), never, always);
    if (config.epsilon_cutoff > 0) {
      add('epsilon_cutoff', epsilonCutoff(config.epsilon_cutoff, keep), never, always);
    }
    if (config.eta_cutoff > 0) add('eta_cutoff', etaCutoff(config.eta_cutoff, keep), never, always);
  }
  if (config.renormalize_logits) add('renormalize_logits', logitNormalization(), never, always);

  const at = steps.findIndex((step) => step.name === 'top_k');
  const candidates = (ctx: ProcessorContext): CandidatePlan | undefined => {
    // sampling: the steps before top_k bound the candidates; greedy: the argmax is a top-1 after every step
    let k: number;
    let end: number;
    if (at >= 0 && steps.slice(at + 1).every((step) => LIVE_ONLY.has(step.name))) {
      k = topKeep;
      end = at;
    } else if (!setup.sampling) {
      k = 1;
      end = steps.length;
    } else return undefined;
    const active = steps.filter((step) => step.changes(ctx));
    const first = active.filter((step) => steps.indexOf(step) < end);
    const lowered = new Set<number>();
    for (const { name, process } of first) {
      if (name === 'temperature') continue;
      const ids = process.onCandidates ? process.lowers?.(ctx) : undefined;
      if (!ids) return undefined;
      for (const id of ids) lowered.add(id);
    }
    // the active steps on a row of candidates: by id where the step works by id, else as on any row
    const run = (list: readonly PipelineStep[], values: Float32Array, ids?: Int32Array): Float32Array => {
      let out: Float32Array = values.slice();
      for (const { process } of list) {
        if (process.onCandidates && ids) process.onCandidates(out, ids, ctx);
        else if (process.inPlace) process.inPlace(out, ctx);
        else out = process(out, ctx);
      }
      return out;
    };
    const order = first.filter((step) => step.name === 'temperature');
    return {
      k,
      extra: lowered.size,
      order: (values) => run(order, values),
      before: (values, ids) => run(first, values, ids),
      after: (values, ids) => run(active.slice(first.length), values, ids),
    };
  };

  const applyInPlace = (logits: Float32Array, ctx: ProcessorContext): Float32Array => {
    let out = logits;
    for (const { process } of steps) {
      if (process.inPlace) process.inPlace(out, ctx);
      else out = process(out, ctx);
    }
    return out;
  };

  return {
    steps,
    apply: (logits, ctx) => (steps.length === 0 ? logits : applyInPlace(logits.slice(), ctx)),
    applyInPlace,
    affectsArgmax: (ctx) => steps.some((step) => step.affectsArgmax(ctx)),
    candidates,
  };
}
