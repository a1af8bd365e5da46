// softmax over the last dimension, max-subtracted.
//
//   x: [R, C] → [R, C]
//
// Row statistics [R, 2] = (max, Σ exp(x − max)) by segments (row-stats.ts), then exp(x − max) / Σ elementwise,
// so even C = 50257 costs O(C) per row, not O(C²).

import type { KernelSpec } from '../backend.js';
import type { Tensor } from '../types.js';
import { asTensor, sameBackend } from './common.js';
import { rowStats } from './row-stats.js';

export const softmaxApplySpec: KernelSpec<null> = {
  name: 'softmax_apply',
  inputNames: () => ['x', 'stats'],
  scalarNames: [],
  key: () => '',
  body: (c) =>
    [
      `const r = ${c.row};`,
      `return Math.exp(${c.at('x', 'r', c.col)} - ${c.at('stats', 'r', '0')}) / ${c.at('stats', 'r', '1')};`,
    ].join('\n'),
  reference(args) {
    const [x, stats] = args.inputs;
    const C = args.dims.out.cols;
    for (let r = 0; r < args.dims.out.rows; r++) {
      for (let i = 0; i < C; i++)
        args.out[r * C + i] = Math.exp(x[r * C + i] - stats[r * 2]) / stats[r * 2 + 1];
    }
  },
};

/**
 * softmax over the last dimension.
 * @example
 * ```ts
 * const probs = softmax(logits); // [R, 50257], rows sum to 1
 * ```
 */
export function softmax(x: Tensor): Tensor {
  const xt = asTensor(x, 'softmax');
  const owner = sameBackend('softmax', xt);
  const stats = rowStats(owner, xt.buffer, 'softmax', 0);
  const out = owner.run(softmaxApplySpec, null, [xt.buffer, stats], [], xt.shape);
  owner.engine.free(stats);
  return out;
}
