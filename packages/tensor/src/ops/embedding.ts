// embedding: token + position embedding gather, out[r] = wte[ids[r]] + wpe[positions[r]].
//
//   wte: out_in weight [V, C], wpe: [P, C], ids: [R], positions: [R] → [R, C]
//
// ids and positions travel as a tiny [2, R] matrix (exact as f32 below 2^24); int8 wte rows are multiplied by
// their per-row scale (the row is an output feature of the tied LM head).

import type { KernelSpec } from '../backend.js';
import { halfValues } from '../dtype.js';
import { TensorError } from '../errors.js';
import type { Tensor, Weight } from '../types.js';
import { asTensor, asWeight, sameBackend, shapeError } from './common.js';

export interface EmbeddingParams {
  readonly int8: boolean;
}

export const embeddingSpec: KernelSpec<EmbeddingParams> = {
  name: 'embedding',
  inputNames: (p) => ['wte', 'wpe', 'idx', ...(p.int8 ? ['scales'] : [])],
  scalarNames: [],
  key: (p) => `${p.int8}`,
  body: (c, p) =>
    [
      `const r = ${c.row};`,
      `const i = ${c.col};`,
      `const id = ${c.at('idx', '0', 'r')};`,
      `const pos = ${c.at('idx', '1', 'r')};`,
      p.int8
        ? `return ${c.at('wte', 'id', 'i')} * ${c.at('scales', '0', 'id')} + ${c.at('wpe', 'pos', 'i')};`
        : `return ${c.at('wte', 'id', 'i')} + ${c.at('wpe', 'pos', 'i')};`,
    ].join('\n'),
  reference(args, p) {
    const [wte, wpe, idx] = args.inputs;
    const scales = p.int8 ? args.inputs[3] : undefined;
    const { rows: R, cols: C } = args.dims.out;
    for (let r = 0; r < R; r++) {
      const id = idx[r];
      const pos = idx[R + r];
      const s = scales ? scales[id] : 1;
      for (let i = 0; i < C; i++) args.out[r * C + i] = wte[id * C + i] * s + wpe[pos * C + i];
    }
  },
};

/** Same gather from a packed wte ([⌈V/4⌉][C][4], webasm): a pure copy, so host engines run it as a loop. */
export const embeddingPackedSpec: KernelSpec<EmbeddingParams> = {
  name: 'embedding_packed',
  inputNames: embeddingSpec.inputNames,
  scalarNames: [],
  key: (p) => `${p.int8}`,
  hostCopy: true,
  body: (c, p, dims) => {
    const C = dims.out.cols;
    return [
      `const r = ${c.row};`,
      `const i = ${c.col};`,
      `const id = ${c.at('idx', '0', 'r')};`,
      `const pos = ${c.at('idx', '1', 'r')};`,
      'const g = Math.floor((id + 0.5) / 4.0);',
      `const v = ${c.at('wte', `g * ${C} + i`, 'id - g * 4')};`,
      p.int8
        ? `return v * ${c.at('scales', '0', 'id')} + ${c.at('wpe', 'pos', 'i')};`
        : `return v + ${c.at('wpe', 'pos', 'i')};`,
    ].join('\n');
  },
  reference(args, p) {
    const [wte, wpe, idx] = args.inputs;
    const scales = p.int8 ? args.inputs[3] : undefined;
    const { rows: R, cols: C } = args.dims.out;
    // a compactly stored wte (webasm) is int8 integers (exact as they are) or half bit patterns (decoded)
    const half = (wte as ArrayLike<number>) instanceof Uint16Array ? halfValues() : undefined;
    for (let r = 0; r < R; r++) {
      const id = idx[r];
      const pos = idx[R + r];
      const s = scales ? scales[id] : 1;
      const base = (id >> 2) * C * 4 + (id & 3);
      for (let i = 0; i < C; i++) {
        const v = half ? half[wte[base + i * 4]] : wte[base + i * 4];
        args.out[r * C + i] = v * s + wpe[pos * C + i];
      }
    }
  },
};

/**
 * Token + position embeddings.
 * @param wte 'out_in' weight [V, C]
 * @param wpe [P, C]
 * @param ids token ids [R], each in [0, V)
 * @param positions positions [R], each in [0, P)
 * @returns [R, C]
 * @example
 * ```ts
 * const x = embedding(wte, wpe, Int32Array.of(15496, 11), Int32Array.of(0, 1)); // [2, 768]
 * ```
 */
export function embedding(wte: Weight, wpe: Tensor, ids: Int32Array, positions: Int32Array): Tensor {
  const what = 'embedding';
  const w = asWeight(wte, what);
  const p = asTensor(wpe, what);
  const owner = sameBackend(what, w, p);
  if (w.layout !== 'out_in') {
    throw new TensorError(
      'invalid_option',
      `embedding: wte must be an 'out_in' weight [V, C], got layout '${w.layout}'; create it with { layout: 'out_in' }`,
    );
  }
  if (p.cols !== w.inFeatures || p.shape.length !== 2) {
    throw shapeError(
      what,
      'wpe',
      p.shape,
      `[P, ${w.inFeatures}]`,
      'wpe and wte must share the embedding width',
    );
  }
  if (ids.length !== positions.length || ids.length === 0) {
    throw new TensorError(
      'shape_mismatch',
      `embedding: ids has ${ids.length} entries and positions ${positions.length}; pass one position per id (at least one)`,
    );
  }
  const R = ids.length;
  const idx = new Float32Array(2 * R);
  for (let r = 0; r < R; r++) {
    if (!(ids[r] >= 0 && ids[r] < w.outFeatures)) {
      throw new TensorError(
        'invalid_option',
        `embedding: ids[${r}] = ${ids[r]} is outside the vocabulary [0, ${w.outFeatures})`,
      );
    }
    if (!(positions[r] >= 0 && positions[r] < p.rows)) {
      throw new TensorError(
        'invalid_option',
        `embedding: positions[${r}] = ${positions[r]} is outside [0, ${p.rows}) (n_positions); shorten the sequence`,
      );
    }
    idx[r] = ids[r];
    idx[R + r] = positions[r];
  }
  if (w.packed && owner.engine.gatherPacked) {
    return owner.wrap([R, w.inFeatures], owner.engine.gatherPacked(w.data, p.buffer, ids, positions));
  }
  const idxBuffer = owner.engine.upload(idx, 2, R);
  const inputs = [w.data, p.buffer, idxBuffer];
  if (w.scales) inputs.push(w.scales);
  const spec = w.packed ? embeddingPackedSpec : embeddingSpec;
  const out = owner.run(spec, { int8: !!w.scales }, inputs, [], [R, w.inFeatures]);
  owner.engine.free(idxBuffer);
  return out;
}
