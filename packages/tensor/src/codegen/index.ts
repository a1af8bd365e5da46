// WebAssembly code-generation extension for gpu.js 2.24.1 (webasm mode): installed at runtime on the
// gpu.js module, shipped inside @gpt2js/tensor (see README.md in this folder for how and why).
//
// What benefits (write kernels this way to hit the fast path):
//  1. Lane-contiguous reads become one `v128.load` instead of a 4-lane gather: the LAST index (x) is
//     `this.thread.x` (optionally ± a lane-uniform integer: a loop counter, an integer literal,
//     this.thread.y/z, an `argumentTypes: { n: 'Integer' }` argument), the other indices are
//     lane-uniform. E.g. matvec with the weight repacked as w: [N/4][K][4] (gpu.js dims [4, K, N/4])
//     and `output: [4, N/4]`:
//        let s = 0;
//        for (let k = 0; k < this.constants.K; k++) s += x[k] * w[this.thread.y][k][this.thread.x];
//        return s;
//     Reads are fastest when provably in bounds at compile time: loop bounds that are integer
//     literals or `this.constants.*`, counters `for (let k = a; k < E; k++)` written nowhere else,
//     `this.thread.x` without offsets. Other contiguous reads get a run-time bounds test (≈ 30 %
//     slower than the proven form, still far faster than the gather).
//     Not contiguous (still gathered): `a[this.thread.x * 2]`, `a[this.thread.x][k]` (x on an outer
//     index), indices through a local copied from thread.x (`const j = this.thread.x` is a float
//     local in gpu.js), or float-typed offsets (a plain number argument is 'Number').
//  2. Integer loop counters (`for (let k = 0; …; k++)`, integer literal start, only ++/--/±= integer
//     literal writes, not passed to helper functions) are i32, not f32.
//  3. Compact weights: an Int8Array (or an Input over one) is stored at 1 byte per element, a HalfArray
//     (IEEE half bits) at 2, instead of gpu.js's 4-byte slot; the pattern of 1 reads them with one
//     widening vector load (exact values), other reads gather lane by lane. For the matvec, unroll the
//     K loop by 4 with 4 accumulators and multiply per-column int8 scales once at the end (README.md,
//     "How the tensor package calls it"). Check `installWebasmCodegen(gpujs).compactStorage.f16` before
//     passing a HalfArray (otherwise pass decodeHalfArray's Float32Array).
// Output rows should be a multiple of 4 wide (gpu.js runs the remainder cells scalar).
// Results are bit-identical to stock gpu.js reading the same values as f32 (see test/codegen).
export {
  benchmarkWebasmMatvec,
  type WebasmMatvecBenchmark,
  type WebasmMatvecBenchmarkOptions,
} from './benchmark.js';
export { KNOWN_GPUJS_VERSION } from './fingerprints.js';
export {
  enableRelaxedSimd,
  fusedMultiplyAddEnabled,
  fusedMultiplyAddStatus,
  hasRelaxedSimd,
} from './fused-multiply-add.js';
export { decodeHalfArray, HalfArray, RawHalfArray } from './half-array.js';
export {
  installWebasmCodegen,
  isWebasmCodegenInstalled,
  uninstallWebasmCodegen,
  type WebasmCodegenOptions,
  type WebasmCodegenStatus,
} from './install.js';
