// @gpt2js/tensor/testing: the conformance suite and the reference backend, for tests and browser pages.

export {
  type ConformanceCase,
  conformanceCases,
  createReferenceBackend,
  expectClose,
  F16_TOLERANCE,
  F32_TOLERANCE,
  INT8_TOLERANCE,
  magnitude,
  randomArray,
  relativeError,
  runConformance,
  seededRandom,
} from './conformance.js';
