// Public surface of @gpt2js/tensor: backends, tensors, weights, the KV cache and the ops GPT-2 needs.

export type { CreateBackendOptions } from './backends/select.js';
export { createBackend, probeBackends } from './backends/select.js';
// The WebAssembly code-generation extension (installed automatically by webasm backends) and its
// kernel-speed check, public so a packed install can prove the fast path shipped; relaxed SIMD (fused
// multiply-adds) is used where the engine has it, and Node 20 can be asked for it.
export {
  benchmarkWebasmMatvec,
  enableRelaxedSimd,
  fusedMultiplyAddEnabled,
  hasRelaxedSimd,
  installWebasmCodegen,
  isWebasmCodegenInstalled,
  KNOWN_GPUJS_VERSION,
  uninstallWebasmCodegen,
  type WebasmCodegenStatus,
  type WebasmMatvecBenchmark,
} from './codegen/index.js';
export type { TensorErrorCode } from './errors.js';
export { TensorError } from './errors.js';
export { add } from './ops/add.js';
export type { AttentionOptions } from './ops/attention.js';
export { attention } from './ops/attention.js';
export { embedding } from './ops/embedding.js';
export { geluNew } from './ops/gelu-new.js';
export { layerNorm } from './ops/layer-norm.js';
export { linear } from './ops/linear.js';
export { softmax } from './ops/softmax.js';
export { takeRows } from './ops/take-rows.js';
export { argmax, topk } from './ops/top-k.js';
export type {
  Backend,
  BackendName,
  BackendReport,
  KVCache,
  KVCacheDType,
  KVCacheOptions,
  Tensor,
  Weight,
  WeightDType,
  WeightOptions,
} from './types.js';
