// From the command line and the model's generation_config.json to Hugging Face generation options:
// greedy or sampling (the demo samples unless --greedy), and the context limit.
import type { GenerationOptions } from '@gpt2js/sampling';
import type { CliOptions } from './options.js';

/** The generation options, plus a note for stderr when max_new_tokens had to be lowered. */
export interface PlannedGeneration {
  options: GenerationOptions;
  note?: string;
}

/**
 * Builds the options of one run. Sampling by default with the model's generation_config values,
 * else Hugging Face's defaults (temperature 1, top-k 50, top-p 1); --greedy takes the argmax.
 * When prompt + --max-new-tokens passes the context, generation stops when the context is full.
 *
 * @example
 * planGeneration(cli, {}, { promptLength: 8, context: 256, eos: 50256 }).options.do_sample; // true
 */
export function planGenerationOptions(
  cli: Pick<
    CliOptions,
    | 'greedy'
    | 'maxNewTokens'
    | 'temperature'
    | 'topK'
    | 'topP'
    | 'repetitionPenalty'
    | 'seed'
    | 'numReturnSequences'
  >,
  generationConfig: GenerationOptions,
  model: { promptLength: number; context: number; eos: number | number[] | null | undefined },
): PlannedGeneration {
  const { max_length: _maxLength, max_new_tokens: _maxNew, ...base } = generationConfig;
  const options: GenerationOptions = { ...base };
  if (cli.greedy) {
    options.do_sample = false;
    delete options.temperature;
    delete options.top_k;
    delete options.top_p;
  } else {
    options.do_sample = true;
    options.temperature = cli.temperature ?? base.temperature ?? 1;
    options.top_k = cli.topK ?? base.top_k ?? 50;
    options.top_p = cli.topP ?? base.top_p ?? 1;
  }
  if (cli.repetitionPenalty !== undefined) options.repetition_penalty = cli.repetitionPenalty;
  if (cli.seed !== undefined) options.seed = cli.seed;
  options.num_return_sequences = cli.numReturnSequences;
  if (options.eos_token_id === undefined && model.eos !== null && model.eos !== undefined) {
    options.eos_token_id = model.eos;
  }
  options.max_new_tokens = cli.maxNewTokens;
  const room = model.context - Math.max(1, model.promptLength);
  if (cli.maxNewTokens > room) {
    options.on_context_overflow = 'stop';
    return {
      options,
      note: `note: the model's context holds ${model.context} tokens and the prompt takes ${Math.max(1, model.promptLength)}: generating at most ${room} new tokens`,
    };
  }
  return { options };
}
