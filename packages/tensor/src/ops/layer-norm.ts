// layerNorm over the last dimension: (x − mean) / √(var + eps) · γ + β, biased variance as in PyTorch.
//
//   x: [R, C], gamma: [C], beta: [C] → [R, C]
//
// Row statistics [R, 2] = (mean, 1/√(var+eps)) by segments with a pairwise combine (row-stats.ts), then the
// elementwise normalisation, so each output element costs O(1) instead of O(C).

import type { KernelSpec } from '../backend.js';
import { TensorError } from '../errors.js';
import type { Tensor } from '../types.js';
import { asTensor, sameBackend, shapeError } from './common.js';
import { rowStats } from './row-stats.js';

/** Normalisation: inputs x [R,C], stats [R,2], gamma [1,C], beta [1,C]. */
export const layerNormApplySpec: KernelSpec<null> = {
  name: 'layer_norm_apply',
  inputNames: () => ['x', 'stats', 'gamma', 'beta'],
  scalarNames: [],
  key: () => '',
  body: (c) =>
    [
      `const r = ${c.row};`,
      `const i = ${c.col};`,
      `return (${c.at('x', 'r', 'i')} - ${c.at('stats', 'r', '0')}) * ${c.at('stats', 'r', '1')} * ${c.at('gamma', '0', 'i')} + ${c.at('beta', '0', 'i')};`,
    ].join('\n'),
  reference(args) {
    const [x, stats, gamma, beta] = args.inputs;
    const C = args.dims.out.cols;
    for (let r = 0; r < args.dims.out.rows; r++) {
      for (let i = 0; i < C; i++) {
        args.out[r * C + i] = (x[r * C + i] - stats[r * 2]) * stats[r * 2 + 1] * gamma[i] + beta[i];
      }
    }
  },
};

/**
 * Layer normalisation over the last dimension.
 * @example
 * ```ts
 * const h = layerNorm(x, ln1Weight, ln1Bias, 1e-5); // [T, 768] → [T, 768]
 * ```
 */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps: number): Tensor {
  const what = 'layerNorm';
  const xt = asTensor(x, what);
  const gt = asTensor(gamma, what);
  const bt = asTensor(beta, what);
  const owner = sameBackend(what, xt, gt, bt);
  if (gt.rows !== 1 || gt.cols !== xt.cols)
    throw shapeError(what, 'gamma', gt.shape, `[${xt.cols}]`, 'pass ln.weight of this width');
  if (bt.rows !== 1 || bt.cols !== xt.cols)
    throw shapeError(what, 'beta', bt.shape, `[${xt.cols}]`, 'pass ln.bias of this width');
  if (!(eps >= 0) || !Number.isFinite(eps)) {
    throw new TensorError(
      'invalid_option',
      `layerNorm: eps must be a finite number ≥ 0, got ${eps}; use the config's layer_norm_epsilon (1e-5)`,
    );
  }
  const stats = rowStats(owner, xt.buffer, 'layernorm', eps);
  const out = owner.run(layerNormApplySpec, null, [xt.buffer, stats, gt.buffer, bt.buffer], [], xt.shape);
  owner.engine.free(stats);
  return out;
}
