// The composed API: pipeline('text-generation', source) = tokenizer + GPT2LMHeadModel + sampling's generate,
// shaped like transformers.js / Hugging Face: `await generator(text, { max_new_tokens: 30, do_sample: true,
// top_k: 50 })` → `[{ generated_text }]` (prompt included unless return_full_text: false).

import { type ModelSource, tryOpenModelFile } from '@gpt2js/hub';
import {
  GENERATION_OPTION_NAMES,
  type GenerateOptions,
  type GenerationResult,
  generate,
  runGeneration,
  validateGenerationOptions,
} from '@gpt2js/sampling';
import { GPT2Tokenizer, type TokenizerOptions } from '@gpt2js/tokenizer';
import { GPT2Config } from './config.js';
import { GPT2Error } from './errors.js';
import { hubOptionsOf, type LoadOptions, validateLoadOptions } from './load/from-pretrained.js';
import { GPT2LMHeadModel } from './modules/lm-head-model.js';

/** Options of one call: HF generation options (snake_case) plus the pipeline's own and the run hooks. */
export interface TextGenerationOptions extends GenerateOptions {
  /** Include the prompt in `generated_text` (HF default true). */
  return_full_text?: boolean;
}

/** One generated sequence, as Hugging Face returns it. */
export interface TextGenerationOutput {
  generated_text: string;
}

/** What `pipeline('text-generation', …)` returns: call it, or stream from it. */
export interface TextGenerationPipeline {
  /** Generates for one prompt: one entry per returned sequence (num_return_sequences). */
  (text: string, options?: TextGenerationOptions): Promise<TextGenerationOutput[]>;
  /** Generates for each prompt in turn. */
  (texts: string[], options?: TextGenerationOptions): Promise<TextGenerationOutput[][]>;
  /** Text chunks as they are generated (whole characters only); their concatenation is `generated_text`. */
  stream(text: string, options?: TextGenerationOptions): AsyncIterable<string>;
  readonly task: 'text-generation';
  readonly model: GPT2LMHeadModel;
  readonly tokenizer: GPT2Tokenizer;
  /** The defaults every call starts from: generation_config.json, then config.json's
   * task_specific_params['text-generation'] (as transformers' pipeline applies them). */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** Frees the model (and its backend when the pipeline created it). */
  dispose(): void;
}

const KNOWN = new Set<string>(GENERATION_OPTION_NAMES);
const pick = (json: unknown): Record<string, unknown> =>
  typeof json === 'object' && json !== null
    ? Object.fromEntries(Object.entries(json).filter(([k]) => KNOWN.has(k)))
    : {};

/**
 * Loads a tokenizer from a local directory, URL base or hub repo id (GPT2Tokenizer.fromPretrained).
 * @example const tokenizer = await loadTokenizer('models/gpt2-tiny'); tokenizer.encode('Hello');
 */
export function loadTokenizer(
  source: ModelSource,
  options?: Parameters<typeof GPT2Tokenizer.fromPretrained>[1],
): Promise<GPT2Tokenizer> {
  return GPT2Tokenizer.fromPretrained(source, options);
}

/**
 * Builds a text-generation pipeline. `source` defaults to `gpt2` (openai-community/gpt2 on the hub).
 * @example
 * const generator = await pipeline('text-generation', 'models/gpt2-tiny');
 * const [{ generated_text }] = await generator("Hello, I'm a language model,", { max_new_tokens: 30, do_sample: true, top_k: 50, seed: 1 });
 */
export async function pipeline(
  task: 'text-generation',
  source: ModelSource = 'gpt2',
  options: LoadOptions & TokenizerOptions = {},
): Promise<TextGenerationPipeline> {
  if (task !== 'text-generation') {
    throw new GPT2Error(
      'invalid_option',
      `pipeline: task must be 'text-generation', got ${JSON.stringify(task)}`,
    );
  }
  validateLoadOptions(options);
  const { cacheSize, eosToken, ...load } = options;
  const hub = hubOptionsOf(load);
  const tokenizer = await GPT2Tokenizer.fromPretrained(source, {
    ...hub,
    ...(cacheSize === undefined ? {} : { cacheSize }),
    ...(eosToken === undefined ? {} : { eosToken }),
  });
  const generationFile = await tryOpenModelFile(source, 'generation_config.json', hub);
  let fileDefaults: Record<string, unknown> = {};
  if (generationFile !== undefined) {
    try {
      fileDefaults = pick(await generationFile.json());
    } finally {
      await generationFile.close();
    }
  }
  // Defaults are checked before the weights are loaded.
  const config = await GPT2Config.fromPretrained(source, hub);
  const taskParams = pick(config.task_specific_params?.['text-generation']);
  const defaults = Object.freeze({ ...fileDefaults, ...taskParams });
  try {
    validateGenerationOptions(defaults);
  } catch (e) {
    throw new GPT2Error(
      'invalid_config',
      `${source}: generation_config.json / task_specific_params['text-generation'] hold a bad default: ${(e as Error).message}`,
    );
  }
  const model = await GPT2LMHeadModel.fromPretrained(source, load);

  const prepare = (text: unknown, opts: TextGenerationOptions = {}) => {
    if (typeof text !== 'string') {
      throw new GPT2Error('invalid_input', `text-generation: expected a string prompt, got ${typeof text}`);
    }
    const { return_full_text, ...rest } = opts;
    const ids = tokenizer.encode(text, { allowedSpecial: 'all' });
    const generateOptions: GenerateOptions = {
      ...defaults,
      ...rest,
      decode: (generated: number[]) => tokenizer.decode(generated, { skipSpecialTokens: true }),
    };
    return { ids, prefix: return_full_text === false ? '' : text, generateOptions };
  };

  const one = async (text: string, opts?: TextGenerationOptions): Promise<TextGenerationOutput[]> => {
    const { ids, prefix, generateOptions } = prepare(text, opts);
    const result: GenerationResult = await runGeneration(model, ids, generateOptions);
    return (result.texts ?? []).map((t) => ({ generated_text: prefix + t }));
  };

  const generator = (async (input: string | string[], opts?: TextGenerationOptions) => {
    if (Array.isArray(input)) {
      const out: TextGenerationOutput[][] = [];
      for (const text of input) out.push(await one(text, opts));
      return out;
    }
    return one(input, opts);
  }) as TextGenerationPipeline;

  const stream = async function* (text: string, opts?: TextGenerationOptions): AsyncGenerator<string> {
    const { ids, prefix, generateOptions } = prepare(text, opts);
    if ((generateOptions.num_return_sequences ?? 1) !== 1 || (generateOptions.num_beams ?? 1) !== 1) {
      throw new GPT2Error(
        'invalid_option',
        'stream() produces one sequence: num_return_sequences and num_beams must be 1 (call the pipeline for several)',
      );
    }
    if (prefix) yield prefix;
    // Stop strings cut text that the tokenizer would already have shown, so then the loop's own text deltas
    // (held back at a possible stop string) are used; otherwise the tokenizer's stream decoder.
    const stops = generateOptions.stop_strings;
    const useLoopText = stops !== undefined && stops.length > 0;
    const decoder = tokenizer.createStreamDecoder({ skipSpecialTokens: true });
    const run = generate(model, ids, generateOptions);
    const eos = new Set([generateOptions.eos_token_id ?? []].flat());
    let shown = '';
    for (;;) {
      const next = await run.next();
      if (next.done) {
        // Whatever the loop still held back (a possible stop-string start) once the row finished.
        const final = next.value.texts?.[0] ?? '';
        if (useLoopText && final.startsWith(shown) && final.length > shown.length)
          yield final.slice(shown.length);
        break;
      }
      const event = next.value;
      if (event.row !== 0) continue;
      if (useLoopText) {
        shown += event.text;
        if (event.text) yield event.text;
      } else if (!eos.has(event.id)) {
        const chunk = decoder.push(event.id);
        if (chunk) yield chunk;
      }
    }
    if (!useLoopText) {
      const tail = decoder.flush();
      if (tail) yield tail;
    }
  };

  Object.defineProperties(generator, {
    task: { value: 'text-generation', enumerable: true },
    model: { value: model, enumerable: true },
    tokenizer: { value: tokenizer, enumerable: true },
    defaults: { value: defaults, enumerable: true },
    stream: { value: stream },
    dispose: { value: () => model.dispose() },
  });
  return generator;
}
