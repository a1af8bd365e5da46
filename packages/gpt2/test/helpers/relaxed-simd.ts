// Imported first by the fused-multiply-add test file: turns relaxed SIMD on (Node 20 has it behind a V8 flag)
// before any webasm kernel compiles, so that the webasm kernels of that file use fused multiply-adds. vitest
// runs each file in its own process, so the flag does not reach the other files.
import { enableRelaxedSimd } from '@gpt2js/tensor';

if (!(await enableRelaxedSimd()))
  throw new Error('relaxed SIMD is unavailable: this Node cannot run the fused multiply-add tests');
