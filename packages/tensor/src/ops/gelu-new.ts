// gelu_new (GPT-2's tanh approximation): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), elementwise.
//
//   x: [R, C] → [R, C]
//
// tanh is written as 1 − 2/(e^{2u}+1): exact at both tails (e^{2u} → ∞ gives 1, → 0 gives −1) and available on
// every GPU.js backend, including WebGL1 where GLSL has no tanh.

import type { KernelSpec } from '../backend.js';
import type { Tensor } from '../types.js';
import { asTensor, sameBackend } from './common.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** gelu_new of one number (the oracle). */
export function geluScalar(x: number): number {
  return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
}

/** GPU.js statements that return gelu_new of the variable `v`. */
export function GELU_SOURCE(v: string): string {
  return [
    `const gu = ${SQRT_2_OVER_PI} * (${v} + 0.044715 * ${v} * ${v} * ${v});`,
    `const gt = 1.0 - 2.0 / (Math.exp(2.0 * gu) + 1.0);`,
    `return 0.5 * ${v} * (1.0 + gt);`,
  ].join('\n');
}

// A rational approximation of tanh on [−7.905, 7.905] (clamped outside, where tanh rounds to ±1 in f32):
// degree 13 / 6 in u, the coefficients of Eigen's generic_fast_tanh_float. Max |error| 3.3e-7 over the
// reals in f32 arithmetic (checked in test/gelu-rational.test.ts against Math.tanh), and it is plain
// multiply-add-divide, so a SIMD kernel evaluates four lanes at once instead of calling Math.exp per lane.
const TANH_P = [
  4.89352455891786e-3, 6.37261928875436e-4, 1.48572235717979e-5, 5.12229709037114e-8, -8.60467152213735e-11,
  2.00018790482477e-13, -2.76076847742355e-16,
];
const TANH_Q = [4.89352518554385e-3, 2.268434632439e-3, 1.18534705686654e-4, 1.19825839466702e-6];
const TANH_CLAMP = 7.905311107635498;

/** tanh(u) by the rational approximation above, in f64 arithmetic (the oracle of the kernel source). */
export function tanhRational(u: number): number {
  const c = Math.min(Math.max(u, -TANH_CLAMP), TANH_CLAMP);
  const c2 = c * c;
  let p = TANH_P[6];
  for (let i = 5; i >= 0; i--) p = p * c2 + TANH_P[i];
  let q = TANH_Q[3];
  for (let i = 2; i >= 0; i--) q = q * c2 + TANH_Q[i];
  return (c * p) / q;
}

/**
 * GPU.js statements that set `v` to gelu_new(v) with the rational tanh (no Math.exp: vectorises on
 * webasm). Temporaries are suffixed with `v`'s name, so several values can be converted in one scope.
 */
export function GELU_RATIONAL_SOURCE(v: string): string {
  const horner = (coefficients: number[], x: string) =>
    coefficients
      .slice(0, -1)
      .reduceRight((inner, a) => `${a} + ${x} * (${inner})`, `${coefficients[coefficients.length - 1]}`);
  return [
    `const gu_${v} = ${SQRT_2_OVER_PI} * (${v} + 0.044715 * ${v} * ${v} * ${v});`,
    `const gc_${v} = Math.min(Math.max(gu_${v}, ${-TANH_CLAMP}), ${TANH_CLAMP});`,
    `const g2_${v} = gc_${v} * gc_${v};`,
    `const gt_${v} = (gc_${v} * (${horner(TANH_P, `g2_${v}`)})) / (${horner(TANH_Q, `g2_${v}`)});`,
    `${v} = 0.5 * ${v} * (1.0 + gt_${v});`,
  ].join('\n');
}

export const geluSpec: KernelSpec<null> = {
  name: 'gelu_new',
  inputNames: () => ['x'],
  scalarNames: [],
  key: () => '',
  body: (c) => [`const v = ${c.at('x', c.row, c.col)};`, GELU_SOURCE('v')].join('\n'),
  reference(args) {
    const x = args.inputs[0];
    for (let i = 0; i < args.out.length; i++) args.out[i] = geluScalar(x[i]);
  },
};

/**
 * gelu_new, elementwise.
 * @example
 * ```ts
 * const y = geluNew(x); // same shape as x
 * ```
 */
export function geluNew(x: Tensor): Tensor {
  const xt = asTensor(x, 'geluNew');
  return sameBackend('geluNew', xt).run(geluSpec, null, [xt.buffer], [], xt.shape);
}
