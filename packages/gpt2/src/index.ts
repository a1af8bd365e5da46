// @gpt2js/gpt2: the public surface only.

export { GPT2_DEFAULTS, GPT2Config, type GPT2ConfigFields, SUPPORTED_ACTIVATIONS } from './config.js';
export {
  CheckpointError,
  ConfigError,
  GPT2Error,
  type GPT2ErrorCode,
  SafetensorsError,
  type SafetensorsErrorCode,
} from './errors.js';
export {
  type LoadedCheckpoint,
  type LoadOptions,
  type LoadProgress,
  loadPretrained,
} from './load/from-pretrained.js';
export {
  MAX_HEADER_BYTES,
  type RandomAccessFile,
  readSafetensorsHeader,
  readTensorAsF32,
  type SafetensorsHeader,
  type TensorInfo,
} from './load/safetensors.js';
export { encodeSafetensors, safetensorsHeader, type TensorEntry } from './load/safetensors-writer.js';
export { type ParamSpec, parameterSpecs, planStateDict, type StateDictPlan } from './load/state-dict.js';
export { GPT2Model, type GPT2ModelOutput, type ModelOptions } from './modules/gpt2-model.js';
export type { ForwardInput } from './modules/inputs.js';
export { GPT2LMHeadModel, type LMForwardInput, type LMOutput } from './modules/lm-head-model.js';
export { DeviceStepLogits, GPT2Session } from './modules/session.js';
export type { BlockWeights, Conv1DWeights, GPT2Weights, LayerNormWeights } from './modules/weights.js';
export {
  loadTokenizer,
  pipeline,
  type TextGenerationOptions,
  type TextGenerationOutput,
  type TextGenerationPipeline,
} from './pipeline.js';
export { PRESETS, type PresetName } from './sizes.js';
