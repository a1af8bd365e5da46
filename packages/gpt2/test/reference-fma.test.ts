// The PyTorch references of both fixtures, and the f16/int8 storage bounds, on webasm with fused multiply-adds
// (relaxed SIMD): the same suites and tolerances as reference-*.test.ts and weight-dtypes.test.ts.
import './helpers/relaxed-simd.js';
import { createBackend } from '@gpt2js/tensor';
import { expect, it } from 'vitest';
import { referenceSuite } from './helpers/reference-suite.js';
import { weightDtypeSuite } from './helpers/weight-dtype-suite.js';

it('webasm compiles with fused multiply-adds in this file', async () => {
  const backend = await createBackend({ backend: 'webasm' });
  expect(backend.report().reason).toMatch(/fused multiply-adds on \(relaxed SIMD\)/);
  backend.dispose();
});

referenceSuite('gpt2-tiny', ['webasm']);
referenceSuite('gpt2-odd', ['webasm']);
weightDtypeSuite(['webasm']);
