// add: elementwise a + b (the residual connection).
//
//   a: [..., C], b: same shape → [..., C]

import type { KernelSpec } from '../backend.js';
import { formatShape } from '../tensor.js';
import type { Tensor } from '../types.js';
import { asTensor, sameBackend, shapeError } from './common.js';

export const addSpec: KernelSpec<null> = {
  name: 'add',
  inputNames: () => ['a', 'b'],
  scalarNames: [],
  key: () => '',
  body: (c) => `return ${c.at('a', c.row, c.col)} + ${c.at('b', c.row, c.col)};`,
  reference(args) {
    const [a, b] = args.inputs;
    for (let i = 0; i < args.out.length; i++) args.out[i] = a[i] + b[i];
  },
};

/**
 * a + b, elementwise; both tensors have the same shape.
 * @example
 * ```ts
 * x = add(x, attnOut); // residual
 * ```
 */
export function add(a: Tensor, b: Tensor): Tensor {
  const at = asTensor(a, 'add');
  const bt = asTensor(b, 'add');
  const owner = sameBackend('add', at, bt);
  if (at.shape.length !== bt.shape.length || at.shape.some((d, i) => d !== bt.shape[i])) {
    throw shapeError(
      'add',
      'b',
      bt.shape,
      formatShape(at.shape),
      'add takes two tensors of the same shape (no broadcasting)',
    );
  }
  return owner.run(addSpec, null, [at.buffer, bt.buffer], [], at.shape);
}
