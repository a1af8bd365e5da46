// argmax and top-k over the last dimension, on the device; only R·k (value, index) pairs are read back.
//
//   x: [R, V] → argmax: [R] ids; topk: [R, k] values + ids, descending, ties → lower index first
//
// Order: a before b ⇔ a.value > b.value, or equal values and a.index < b.index (NaN never selected).
// Pass j finds, per row, the first element after pick j−1 in that order, in two kernels:
//   segment: [R, 2S]  best (value, index) of each of S column segments, among elements after the previous pick
//   reduce:  [R, 2(j+1)] the picks so far plus the best of the S segment winners
// so k picks cost k·(R·V + R·S) reads and one readback of [R, 2k] at the end.

import type { DeviceBuffer, KernelSpec } from '../backend.js';
import type { BaseBackend } from '../backends/base.js';
import { TensorError } from '../errors.js';
import type { Tensor } from '../types.js';
import { asTensor, checkInteger, sameBackend } from './common.js';

/** Value reported for "no candidate" (a segment with every element already picked). */
const NONE = -3.0e38;

export interface TopKParams {
  /** Picks made so far (0 for the first pass). */
  readonly j: number;
  /** Columns per segment. */
  readonly seg: number;
}

/** True when (v, i) comes after (pv, pi) in the order. */
function after(v: number, i: number, pv: number, pi: number): boolean {
  return v < pv || (v === pv && i > pi);
}

export const topkSegmentSpec: KernelSpec<TopKParams> = {
  name: 'topk_segment',
  inputNames: (p) => (p.j > 0 ? ['x', 'prev'] : ['x']),
  scalarNames: [],
  key: (p) => `${p.j}.${p.seg}`,
  body(c, p, dims) {
    const V = dims.inputs[0].cols;
    const prev = p.j > 0;
    return [
      `const r = ${c.row};`,
      `const s = Math.floor((${c.col} + 0.5) / 2.0);`,
      `const which = ${c.col} - s * 2;`,
      prev ? `const pv = ${c.at('prev', 'r', `${2 * p.j - 2}`)};` : '',
      prev ? `const pi = ${c.at('prev', 'r', `${2 * p.j - 1}`)};` : '',
      `let bv = ${NONE};`,
      'let bi = -1.0;',
      `const start = s * ${p.seg};`,
      `for (let t = 0; t < ${p.seg}; t++) {`,
      '  const i = start + t;',
      `  if (i < ${V}) {`,
      `    const v = ${c.at('x', 'r', 'i')};`,
      prev
        ? '    if (v < pv || (v == pv && i > pi)) { if (v > bv || bi < 0.0) { bv = v; bi = i; } }'
        : '    if (v > bv || bi < 0.0) { if (v == v) { bv = v; bi = i; } }',
      '  }',
      '}',
      'if (which == 0) { return bv; }',
      'return bi;',
    ].join('\n');
  },
  reference(args, p) {
    const x = args.inputs[0];
    const prev = p.j > 0 ? args.inputs[1] : undefined;
    const V = args.dims.inputs[0].cols;
    const S = args.dims.out.cols / 2;
    const pw = p.j > 0 ? args.dims.inputs[1].cols : 0;
    for (let r = 0; r < args.dims.out.rows; r++) {
      const pv = prev ? prev[r * pw + 2 * p.j - 2] : 0;
      const pi = prev ? prev[r * pw + 2 * p.j - 1] : 0;
      for (let s = 0; s < S; s++) {
        let bv = NONE;
        let bi = -1;
        for (let i = s * p.seg; i < Math.min(V, (s + 1) * p.seg); i++) {
          const v = x[r * V + i];
          if (Number.isNaN(v)) continue;
          if (prev && !after(v, i, pv, pi)) continue;
          if (bi < 0 || v > bv) {
            bv = v;
            bi = i;
          }
        }
        args.out[r * 2 * S + 2 * s] = bv;
        args.out[r * 2 * S + 2 * s + 1] = bi;
      }
    }
  },
};

export const topkReduceSpec: KernelSpec<TopKParams> = {
  name: 'topk_reduce',
  inputNames: (p) => (p.j > 0 ? ['cand', 'prev'] : ['cand']),
  scalarNames: [],
  key: (p) => `${p.j}`,
  body(c, p, dims) {
    const S = dims.inputs[0].cols / 2;
    return [
      `const r = ${c.row};`,
      `const col = ${c.col};`,
      p.j > 0 ? `if (col < ${2 * p.j}) { return ${c.at('prev', 'r', 'col')}; }` : '',
      `let bv = ${NONE};`,
      'let bi = -1.0;',
      `for (let s = 0; s < ${S}; s++) {`,
      `  const v = ${c.at('cand', 'r', 's * 2')};`,
      `  const i = ${c.at('cand', 'r', 's * 2 + 1')};`,
      '  if (i >= 0.0) { if (bi < 0.0 || v > bv || (v == bv && i < bi)) { bv = v; bi = i; } }',
      '}',
      `if (col == ${2 * p.j}) { return bv; }`,
      'return bi;',
    ].join('\n');
  },
  reference(args, p) {
    const cand = args.inputs[0];
    const prev = p.j > 0 ? args.inputs[1] : undefined;
    const S = args.dims.inputs[0].cols / 2;
    const W = args.dims.out.cols;
    for (let r = 0; r < args.dims.out.rows; r++) {
      for (let c = 0; c < 2 * p.j; c++) args.out[r * W + c] = prev![r * 2 * p.j + c];
      let bv = NONE;
      let bi = -1;
      for (let s = 0; s < S; s++) {
        const v = cand[r * 2 * S + 2 * s];
        const i = cand[r * 2 * S + 2 * s + 1];
        if (i >= 0 && (bi < 0 || v > bv || (v === bv && i < bi))) {
          bv = v;
          bi = i;
        }
      }
      args.out[r * W + 2 * p.j] = bv;
      args.out[r * W + 2 * p.j + 1] = bi;
    }
  },
};

/** Runs k passes on the device and reads back the [R, 2k] picks once. */
async function picks(
  owner: BaseBackend,
  x: DeviceBuffer,
  rows: number,
  V: number,
  k: number,
): Promise<Float32Array> {
  const seg = Math.max(64, Math.ceil(V / 256));
  const S = Math.ceil(V / seg);
  let prev: DeviceBuffer | undefined;
  for (let j = 0; j < k; j++) {
    const params = { j, seg };
    const cand = owner.engine.run(topkSegmentSpec, params, prev ? [x, prev] : [x], [], rows, 2 * S);
    const next = owner.engine.run(
      topkReduceSpec,
      params,
      prev ? [cand, prev] : [cand],
      [],
      rows,
      2 * (j + 1),
    );
    owner.engine.free(cand);
    if (prev) owner.engine.free(prev);
    prev = next;
  }
  const out = await owner.engine.read(prev!);
  owner.engine.free(prev!);
  return out;
}

/**
 * Index of the largest value of each row, computed on the device; ties → lowest index. Reads back R numbers.
 * @example
 * ```ts
 * const [next] = await argmax(logits); // logits [1, 50257]
 * ```
 */
export async function argmax(x: Tensor): Promise<Int32Array> {
  const xt = asTensor(x, 'argmax');
  const owner = sameBackend('argmax', xt);
  const out = await picks(owner, xt.buffer, xt.rows, xt.cols, 1);
  const ids = new Int32Array(xt.rows);
  for (let r = 0; r < xt.rows; r++) ids[r] = out[r * 2 + 1];
  return ids;
}

/**
 * The k largest values of each row and their indices, descending, ties → lower index first.
 * @returns indices and values, both [R, k] row-major
 * @example
 * ```ts
 * const { indices, values } = await topk(logits, 50);
 * ```
 */
export async function topk(x: Tensor, k: number): Promise<{ indices: Int32Array; values: Float32Array }> {
  const xt = asTensor(x, 'topk');
  const owner = sameBackend('topk', xt);
  checkInteger('topk', 'k', k, 1, xt.cols);
  if (k > 1024)
    throw new TensorError(
      'invalid_option',
      `topk: k must be at most 1024, got ${k}; read the logits back instead`,
    );
  const out = await picks(owner, xt.buffer, xt.rows, xt.cols, k);
  const indices = new Int32Array(xt.rows * k);
  const values = new Float32Array(xt.rows * k);
  for (let r = 0; r < xt.rows; r++) {
    for (let j = 0; j < k; j++) {
      values[r * k + j] = out[r * 2 * k + 2 * j];
      indices[r * k + j] = out[r * 2 * k + 2 * j + 1];
    }
  }
  return { indices, values };
}
