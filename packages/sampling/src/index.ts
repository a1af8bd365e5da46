// Public surface of @gpt2js/sampling.

export { GenerationOptionError, SamplingError, type SamplingErrorCode } from './errors.js';
export type {
  FinishReason,
  GenerateOptions,
  GenerationHooks,
  GenerationResult,
  GenerationStats,
  StepEvent,
  TokenEvent,
} from './events.js';
export { generate, generateText, runGeneration } from './generate.js';
export { argmax, logSoftmax, softmax64, topkHost } from './math.js';
export type { GenerationConfig, GenerationOptions } from './options/generation-options.js';
export { GENERATION_OPTION_NAMES, validateGenerationOptions } from './options/validate.js';
export { DEFAULT_MAX_NEW_TOKENS, type GenerationPlan, planGeneration } from './plan.js';
export { noBadWords, sequenceBias, suppressTokens, suppressTokensAtBegin } from './processors/bias.js';
export { forcedBos, forcedEos, minLength, minNewTokens, removeInvalidValues } from './processors/length.js';
export { bannedNgramTokens, noRepeatNgram } from './processors/no-repeat-ngram.js';
export { presenceFrequencyPenalty, repetitionPenalty } from './processors/penalties.js';
export {
  buildLogitsPipeline,
  type LogitsPipeline,
  type PipelineSetup,
  type PipelineStep,
} from './processors/pipeline.js';
export { composeProcessors, type LogitsProcessor, type ProcessorContext } from './processors/types.js';
export {
  epsilonCutoff,
  etaCutoff,
  logitNormalization,
  minP,
  temperature,
  topK,
  topP,
  typicalP,
} from './processors/warpers.js';
export { createRng, type Rng } from './rng.js';
export { sampleFromLogits, sampleWithoutReplacement } from './select.js';
export { stepLogitsFromArrays } from './step-logits.js';
export { TextStream } from './text-stream.js';
export type { CausalLM, CausalLMSession, StepLogits } from './types.js';
