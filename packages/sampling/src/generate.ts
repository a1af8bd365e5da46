// The public generation loop: validates once, then streams token events from greedy decoding,
// sampling or beam search over any CausalLM; plus promise conveniences.

import { beamSearch } from './beam-search.js';
import { greedyOrSample, type RunSetup } from './decode-loop.js';
import { GenerationOptionError } from './errors.js';
import { type GenerateOptions, type GenerationResult, HOOK_NAMES, type TokenEvent } from './events.js';
import { validateGenerationOptions } from './options/validate.js';
import { planGeneration } from './plan.js';
import type { CausalLM } from './types.js';

function checkHooks(options: GenerateOptions): void {
  const fn = (name: 'decode' | 'onToken' | 'onStep') => {
    const v = options[name];
    if (v !== undefined && typeof v !== 'function') {
      throw new GenerationOptionError(name, 'a function', `${name} must be a function, got ${typeof v}`);
    }
  };
  fn('decode');
  fn('onToken');
  fn('onStep');
  const k = options.stepTopK;
  if (k !== undefined && !(Number.isSafeInteger(k) && k >= 1)) {
    throw new GenerationOptionError(
      'stepTopK',
      'an integer ≥ 1',
      `stepTopK must be an integer ≥ 1, got ${String(k)}`,
    );
  }
  const signal = options.signal;
  if (signal !== undefined && (typeof signal !== 'object' || signal === null || !('aborted' in signal))) {
    throw new GenerationOptionError(
      'signal',
      'an AbortSignal',
      `signal must be an AbortSignal, got ${typeof signal}`,
    );
  }
}

function setUp(model: CausalLM, inputIds: readonly number[], options: GenerateOptions): RunSetup {
  const config = validateGenerationOptions(options, HOOK_NAMES);
  checkHooks(options);
  if (config.stop_strings.length > 0 && options.decode === undefined) {
    throw new GenerationOptionError(
      'stop_strings',
      'used together with decode',
      'stop_strings needs a decode function (ids → text), e.g. { decode: (ids) => tokenizer.decode(ids) }',
    );
  }
  const plan = planGeneration(model, inputIds, config);
  return { model, plan, config, hooks: options, stepTopK: options.stepTopK ?? 20 };
}

/**
 * Generates from `inputIds` with any {@link CausalLM}, streaming one {@link TokenEvent} per token and
 * returning a {@link GenerationResult}. Options are Hugging Face `generate()` names (snake_case) plus the
 * hooks `signal`, `decode`, `onToken`, `onStep`, `stepTopK`. Options and inputs are validated when
 * `generate` is called (it throws synchronously); the model runs when the iterator is first pulled.
 * Leaving the loop early (break, return, throw) or aborting disposes the session and pending logits.
 *
 * Greedy and sampling stream tokens as they are chosen; beam search emits the returned sequences'
 * tokens when the search ends.
 *
 * @example
 * ```ts
 * const run = generate(model, ids, { max_new_tokens: 30, do_sample: true, top_k: 50, seed: 1, decode });
 * for await (const { text } of run) process.stdout.write(text);
 * ```
 */
export function generate(
  model: CausalLM,
  inputIds: readonly number[],
  options: GenerateOptions = {},
): AsyncGenerator<TokenEvent, GenerationResult> {
  const setup = setUp(model, inputIds, options);
  return setup.config.num_beams > 1 ? beamSearch(setup) : greedyOrSample(setup);
}

/**
 * Runs {@link generate} to the end and resolves with its result (use `onToken` to stream).
 *
 * @example
 * ```ts
 * const { sequences, finishReason } = await runGeneration(model, [464, 3290], { max_new_tokens: 5 });
 * ```
 */
export async function runGeneration(
  model: CausalLM,
  inputIds: readonly number[],
  options: GenerateOptions = {},
): Promise<GenerationResult> {
  const run = generate(model, inputIds, options);
  for (;;) {
    const next = await run.next();
    if (next.done) return next.value;
  }
}

/**
 * Generates and resolves with the decoded text of the first (best) sequence, without the prompt.
 * For every sequence, use {@link runGeneration} and its `texts`.
 *
 * @example
 * ```ts
 * const text = await generateText(model, tokenizer.encode('Hello'), { decode: (ids) => tokenizer.decode(ids) });
 * ```
 */
export async function generateText(
  model: CausalLM,
  inputIds: readonly number[],
  options: GenerateOptions & { decode: (ids: number[]) => string },
): Promise<string> {
  if (typeof options?.decode !== 'function') {
    throw new GenerationOptionError(
      'decode',
      'a function',
      'generateText needs a decode function (ids → text)',
    );
  }
  const result = await runGeneration(model, inputIds, options);
  return result.texts?.[0] ?? '';
}
