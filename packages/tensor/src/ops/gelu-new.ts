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
