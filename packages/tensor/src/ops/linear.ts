// linear: y = x·W (+ b) (→ gelu_new), in HF Conv1D layout (W [in=K, out=N]) or against an 'out_in' matrix
// (W [out=N, in=K], the tied LM head x·wteᵀ). int8 weights are integer-valued with one scale per output column,
// applied once after the dot product; f16 weights are stored as half-rounded values.
//
//   x: [R, K] · W: K→N (+ bias [N]) → y: [R, N]
//
// Variants: one thread per output element, K-loop in registers (all backends); on webasm the packed kernel's
// K loop is unrolled by 4 into four accumulators when K % 4 === 0 (packedDotSource).

import type { KernelSpec, ReferenceArgs } from '../backend.js';
import { TensorError } from '../errors.js';
import type { Tensor, Weight } from '../types.js';
import { asTensor, asWeight, sameBackend, shapeError } from './common.js';
import { GELU_SOURCE, geluScalar } from './gelu-new.js';

export interface LinearParams {
  readonly layout: 'in_out' | 'out_in';
  readonly int8: boolean;
  readonly bias: boolean;
  readonly gelu: boolean;
}

/** Plain-TS oracle: inputs x [R,K], w (as laid out), scales? [1,N], bias? [1,N]. */
export function linearReference(args: ReferenceArgs, p: LinearParams): void {
  const [x, w] = args.inputs;
  let next = 2;
  const scales = p.int8 ? args.inputs[next++] : undefined;
  const bias = p.bias ? args.inputs[next++] : undefined;
  const R = args.dims.out.rows;
  const N = args.dims.out.cols;
  const K = args.dims.inputs[0].cols;
  for (let r = 0; r < R; r++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        s += x[r * K + k] * (p.layout === 'in_out' ? w[k * N + n] : w[n * K + k]);
      }
      if (scales) s *= scales[n];
      if (bias) s += bias[n];
      args.out[r * N + n] = p.gelu ? geluScalar(s) : s;
    }
  }
}

export const linearSpec: KernelSpec<LinearParams> = {
  name: 'linear',
  inputNames: (p) => ['x', 'w', ...(p.int8 ? ['scales'] : []), ...(p.bias ? ['bias'] : [])],
  scalarNames: [],
  key: (p) => `${p.layout}.${p.int8}.${p.bias}.${p.gelu}`,
  body(c, p, dims) {
    const K = dims.inputs[0].cols;
    const weight = p.layout === 'in_out' ? c.at('w', 'k', 'n') : c.at('w', 'n', 'k');
    return [
      `const r = ${c.row};`,
      `const n = ${c.col};`,
      'let s = 0.0;',
      `for (let k = 0; k < ${K}; k++) {`,
      `  s += ${c.at('x', 'r', 'k')} * ${weight};`,
      '}',
      p.int8 ? `s = s * ${c.at('scales', '0', 'n')};` : '',
      p.bias ? `s = s + ${c.at('bias', '0', 'n')};` : '',
      p.gelu ? GELU_SOURCE('s') : 'return s;',
    ].join('\n');
  },
  reference: linearReference,
};

/**
 * The packed kernel's dot product into `s`: x [K] · w[thread.y][·][thread.x]. When K % 4 === 0 it is unrolled
 * by 4 into four accumulators (lanes k ≡ 0, 1, 2, 3 mod 4, summed pairwise at the end): the loop overhead is
 * shared by four weight loads, and `k += 4` with a literal bound is proven in bounds by the codegen (no
 * run-time check). This changes the summation order against the reference (within the f32 tolerances).
 */
function packedDotSource(K: number): string[] {
  if (K % 4 !== 0) {
    return [
      'let s = 0;',
      `for (let k = 0; k < ${K}; k++) {`,
      '  s += x[k] * this.constants.w[this.thread.y][k][this.thread.x];',
      '}',
    ];
  }
  return [
    'let s0 = 0;',
    'let s1 = 0;',
    'let s2 = 0;',
    'let s3 = 0;',
    `for (let k = 0; k < ${K}; k += 4) {`,
    '  s0 += x[k] * this.constants.w[this.thread.y][k][this.thread.x];',
    '  s1 += x[k + 1] * this.constants.w[this.thread.y][k + 1][this.thread.x];',
    '  s2 += x[k + 2] * this.constants.w[this.thread.y][k + 2][this.thread.x];',
    '  s3 += x[k + 3] * this.constants.w[this.thread.y][k + 3][this.thread.x];',
    '}',
    'let s = s0 + s1 + (s2 + s3);',
  ];
}

/**
 * Packed variant (webasm): ONE kernel per weight, built when the weight is created. The weight is a resident
 * kernel constant laid out [G][K][4] (G = ⌈N/4⌉) and lives only in that kernel's WebAssembly memory; one call
 * per row with output [4, G], so lane = this.thread.x reads 4 consecutive floats (one v128.load with the
 * codegen extension) and the weight is never copied per call. Because the kernel exists before any caller
 * says whether it wants a bias or gelu, the bias is an argument (zeros when absent) and gelu a uniform flag.
 * Inputs: x [1, K] (row slice), bias [1, N]; scalar gelu (0 | 1); constants: w, scales? [1, 4G].
 */
export const linearPackedSpec: KernelSpec<LinearParams> = {
  name: 'linear_packed',
  inputNames: () => ['x', 'bias'],
  constantNames: (p) => ['w', ...(p.int8 ? ['scales'] : [])],
  scalarNames: ['gelu'],
  key: (p) => `${p.int8}`,
  rowwise: (_p, dims) => [4, dims.inputs[2].rows / dims.inputs[0].cols],
  body(_c, p, dims) {
    const K = dims.inputs[0].cols;
    const N = dims.out.cols;
    return [
      ...packedDotSource(K),
      p.int8 ? 's = s * this.constants.scales[this.thread.y * 4 + this.thread.x];' : '',
      `s = s + bias[Math.min(this.thread.y * 4 + this.thread.x, ${N - 1})];`,
      'if (gelu > 0.5) {',
      GELU_SOURCE('s'),
      '}',
      'return s;',
    ].join('\n');
  },
  reference(args, p) {
    const [x, bias, w] = args.inputs;
    const scales = p.int8 ? args.inputs[3] : undefined;
    const gelu = args.scalars[0] > 0.5;
    const K = args.dims.inputs[0].cols;
    const N = args.dims.out.cols;
    for (let r = 0; r < args.dims.out.rows; r++) {
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += x[r * K + k] * w[((n >> 2) * K + k) * 4 + (n & 3)];
        if (scales) s *= scales[n];
        s += bias[n];
        args.out[r * N + n] = gelu ? geluScalar(s) : s;
      }
    }
  },
};

/**
 * y = x·W + b, optionally followed by gelu_new (fused).
 *
 * @param x activations [R, K]
 * @param w weight mapping K → N ('in_out' [K,N] or 'out_in' [N,K])
 * @param bias optional [N]
 * @returns [R, N]
 * @example
 * ```ts
 * const h = linear(x, cFc, cFcBias, { activation: 'gelu_new' }); // [T, 768] → [T, 3072]
 * ```
 */
export function linear(
  x: Tensor,
  w: Weight,
  bias?: Tensor,
  options: { activation?: 'gelu_new' } = {},
): Tensor {
  const what = 'linear';
  const xt = asTensor(x, what);
  const wt = asWeight(w, what);
  const bt = bias === undefined ? undefined : asTensor(bias, what);
  const owner = sameBackend(what, xt, wt, bt);
  if (options.activation !== undefined && options.activation !== 'gelu_new') {
    throw new TensorError(
      'invalid_option',
      `linear: activation must be 'gelu_new' or undefined, got ${String(options.activation)}`,
    );
  }
  if (xt.cols !== wt.inFeatures) {
    throw shapeError(
      what,
      'x',
      xt.shape,
      `[…, ${wt.inFeatures}] (the weight's in features)`,
      'check the weight layout (in_out [K,N] vs out_in [N,K])',
    );
  }
  if (bt && (bt.rows !== 1 || bt.cols !== wt.outFeatures)) {
    throw shapeError(what, 'bias', bt.shape, `[${wt.outFeatures}]`, 'pass the bias of this weight');
  }
  const params: LinearParams = {
    layout: wt.layout,
    int8: wt.dtype === 'int8',
    bias: !!bt,
    gelu: options.activation === 'gelu_new',
  };
  const shape = [...xt.shape.slice(0, -1), wt.outFeatures];
  const resident = [wt.data];
  if (wt.scales) resident.push(wt.scales);
  if (wt.packed && owner.engine.linearPacked) {
    return owner.wrap(shape, owner.engine.linearPacked(xt.buffer, wt.data, bt?.buffer, params.gelu));
  }
  if (wt.packed) {
    const biasBuffer = bt?.buffer ?? owner.engine.zeros(1, wt.outFeatures);
    return owner.run(
      linearPackedSpec,
      params,
      [xt.buffer, biasBuffer],
      [params.gelu ? 1 : 0],
      shape,
      resident,
    );
  }
  const rest = bt ? [...resident, bt.buffer] : resident;
  return owner.run(linearSpec, params, [xt.buffer, ...rest], [], shape);
}
