// Checks the prompt and the token-id options against the model, and fixes the lengths of a run:
// the start token for an empty prompt, max_new_tokens, and what happens when the context is too small.

import { GenerationOptionError, SamplingError } from './errors.js';
import type { GenerationConfig } from './options/generation-options.js';
import type { CausalLM } from './types.js';

/** Default number of new tokens when neither max_new_tokens nor max_length is given. */
export const DEFAULT_MAX_NEW_TOKENS = 20;

/** The lengths of one run, after the context check. */
export interface GenerationPlan {
  /** The ids fed to the model: the input, or [bos] for an empty input, minus any truncated head. */
  readonly prompt: number[];
  readonly maxNewTokens: number;
  /** prompt.length + maxNewTokens (HF `max_length`). */
  readonly maxLength: number;
  /** Prompt tokens dropped by on_context_overflow: 'truncate_left'. */
  readonly droppedPromptTokens: number;
}

function checkIds(option: string, ids: readonly number[], vocabSize: number): void {
  const bad = ids.find((id) => id >= vocabSize);
  if (bad !== undefined) {
    throw new GenerationOptionError(
      option,
      `token ids in [0, ${vocabSize})`,
      `${option} must hold token ids in [0, ${vocabSize}) (the model's vocabSize), got ${bad}`,
    );
  }
}

/** Every token-id option must be < vocabSize. */
function checkTokenOptions(config: GenerationConfig, vocabSize: number): void {
  checkIds('eos_token_id', config.eos_token_id, vocabSize);
  checkIds('forced_eos_token_id', config.forced_eos_token_id, vocabSize);
  checkIds('suppress_tokens', config.suppress_tokens, vocabSize);
  checkIds('begin_suppress_tokens', config.begin_suppress_tokens, vocabSize);
  checkIds('bad_words_ids', config.bad_words_ids.flat(), vocabSize);
  checkIds(
    'sequence_bias/logit_bias',
    config.sequence_bias.flatMap(([ids]) => ids),
    vocabSize,
  );
  for (const name of ['bos_token_id', 'pad_token_id', 'forced_bos_token_id'] as const) {
    const id = config[name];
    if (id !== undefined) checkIds(name, [id], vocabSize);
  }
}

function checkPrompt(inputIds: readonly number[], vocabSize: number): void {
  if (!Array.isArray(inputIds)) {
    throw new SamplingError(
      'invalid_input',
      `inputIds must be an array of token ids, got ${typeof inputIds}`,
    );
  }
  for (let i = 0; i < inputIds.length; i++) {
    const id = inputIds[i];
    if (!Number.isSafeInteger(id) || id < 0 || id >= vocabSize) {
      throw new SamplingError(
        'invalid_input',
        `inputIds[${i}] must be a token id in [0, ${vocabSize}) (the model's vocabSize), got ${String(id)}`,
      );
    }
  }
}

/**
 * Validates `inputIds` and the id options against `model`, and resolves the run's lengths.
 *
 * @throws SamplingError 'invalid_input' for a bad prompt id, 'context_overflow' when the prompt and
 *   max_new_tokens do not fit `model.maxLength` under `on_context_overflow`.
 * @throws GenerationOptionError for an id option ≥ vocabSize, an empty prompt without bos/eos id, or a
 *   max_length that leaves no room for new tokens.
 */
export function planGeneration(
  model: CausalLM,
  inputIds: readonly number[],
  config: GenerationConfig,
): GenerationPlan {
  checkPrompt(inputIds, model.vocabSize);
  checkTokenOptions(config, model.vocabSize);
  let prompt = [...inputIds];
  if (prompt.length === 0) {
    const start = config.bos_token_id ?? config.eos_token_id[0];
    if (start === undefined) {
      throw new GenerationOptionError(
        'bos_token_id',
        'a token id',
        'an empty prompt needs bos_token_id (or eos_token_id) to start from, like Hugging Face; pass bos_token_id: 50256 for GPT-2',
      );
    }
    prompt = [start];
  }
  let maxNew = config.max_new_tokens;
  if (maxNew === undefined && config.max_length !== undefined) {
    maxNew = config.max_length - prompt.length;
    if (maxNew < 1) {
      throw new GenerationOptionError(
        'max_length',
        `an integer > the prompt length (${prompt.length})`,
        `max_length (${config.max_length}) counts the prompt (${prompt.length} tokens) and leaves no room for new tokens; raise it or use max_new_tokens`,
      );
    }
  }
  maxNew ??= DEFAULT_MAX_NEW_TOKENS;

  const context = model.maxLength;
  let dropped = 0;
  if (prompt.length + maxNew > context) {
    const mode = config.on_context_overflow;
    if (mode === 'truncate_left') {
      if (maxNew >= context) {
        throw new SamplingError(
          'context_overflow',
          `max_new_tokens (${maxNew}) must be < the model's context of ${context} tokens to leave room for the prompt; lower max_new_tokens`,
        );
      }
      dropped = prompt.length + maxNew - context;
      prompt = prompt.slice(dropped);
    } else if (prompt.length >= context) {
      throw new SamplingError(
        'context_overflow',
        `the prompt has ${prompt.length} tokens but the model's context is ${context} tokens (no room to generate); shorten the prompt or set on_context_overflow: 'truncate_left'`,
      );
    } else if (mode === 'stop') {
      maxNew = context - prompt.length;
    } else {
      throw new SamplingError(
        'context_overflow',
        `prompt (${prompt.length} tokens) + max_new_tokens (${maxNew}) = ${prompt.length + maxNew} exceeds the model's context of ${context} tokens; set max_new_tokens ≤ ${context - prompt.length}, or on_context_overflow: 'stop' | 'truncate_left'`,
      );
    }
  }
  return { prompt, maxNewTokens: maxNew, maxLength: prompt.length + maxNew, droppedPromptTokens: dropped };
}
