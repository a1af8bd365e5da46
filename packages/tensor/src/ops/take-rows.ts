// takeRows: gather whole rows, out[i] = x[rows[i]] (last position of each batch row before the LM head).
//
//   x: [R, C], rows: [n] → [n, C]

import type { KernelSpec } from '../backend.js';
import { TensorError } from '../errors.js';
import type { Tensor } from '../types.js';
import { asTensor, sameBackend } from './common.js';

export const takeRowsSpec: KernelSpec<null> = {
  name: 'take_rows',
  inputNames: () => ['x', 'idx'],
  scalarNames: [],
  key: () => '',
  body: (c) => [`const src = ${c.at('idx', '0', c.row)};`, `return ${c.at('x', 'src', c.col)};`].join('\n'),
  reference(args) {
    const [x, idx] = args.inputs;
    const { rows, cols } = args.dims.out;
    for (let i = 0; i < rows; i++) args.out.set(x.subarray(idx[i] * cols, idx[i] * cols + cols), i * cols);
  },
};

/**
 * Rows of a matrix, in the given order (repeats allowed).
 * @example
 * ```ts
 * const last = takeRows(hidden, [T - 1, 2 * T - 1]); // [2, 768]
 * ```
 */
export function takeRows(x: Tensor, rows: readonly number[]): Tensor {
  const xt = asTensor(x, 'takeRows');
  const owner = sameBackend('takeRows', xt);
  if (rows.length === 0)
    throw new TensorError('invalid_option', 'takeRows: rows is empty; pass at least one row index');
  const idx = new Float32Array(rows.length);
  rows.forEach((r, i) => {
    if (!Number.isInteger(r) || r < 0 || r >= xt.rows) {
      throw new TensorError('invalid_option', `takeRows: rows[${i}] = ${r} is outside [0, ${xt.rows})`);
    }
    idx[i] = r;
  });
  const idxBuffer = owner.engine.upload(idx, 1, rows.length);
  const out = owner.run(takeRowsSpec, null, [xt.buffer, idxBuffer], [], [rows.length, xt.cols]);
  owner.engine.free(idxBuffer);
  return out;
}
