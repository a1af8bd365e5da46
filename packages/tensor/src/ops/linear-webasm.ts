// linear on webasm: GPU.js kernels over a weight packed 16 output features per group
// (webasm/packed-weight.ts), one for decoding (one row) and one for prefill (four rows per call).
//
//   decode:   x [K] · W (packed [G][K][16]) (+ bias) (→ gelu_new) → y [16G]      output [4, G], Array(4)
//   prefill:  x [4·RB, K] · W                      → y [4 rows] per cell     output [4, 4, G·RB], Array(4)
//
// Decode: cell (lane x, group g) accumulates the four features n = 16g + 4x + c, c = 0 … 3, over k (two k
// per iteration when K is even); per k it loads x[k] once and four vectors of weights (64 contiguous bytes
// for f32). gpu.js stores component c
// of cell (x, g) at 16g + 4x + c, so the output is y in natural order.
// Prefill: cell (lane x, c, z = g·RB + rb) accumulates feature n = 16g + 4x + c for the four rows of row
// block rb at once: each weight vector is loaded once and used four times, and the RB row blocks of a
// group are consecutive cells, so the group's weights (16·K values) are read from memory once per call
// and from cache RB − 1 more times. The output is [g][rb][c][x][row]; `scatterRows` puts it in place.
// Bias and int8 scales are kernel constants in q order (packed-weight.ts), read as vectors like the weights.
// int8: the weights are packed in k pairs ([G][K2][16][2]) and the activations arrive as int16 with a scale
// per row (webasm/activation-quant.ts); each step sums four k as two pairs, which the codegen turns into
// integer dot products (codegen/pair-dot.ts), then scales by the row's and the feature's scale.
// Both kernels sum over k in the same order, so a row gives the same bits in either.

import { GELU_RATIONAL_SOURCE } from './gelu-new.js';

export interface PackedLinearShape {
  readonly K: number;
  readonly G: number;
  readonly int8: boolean;
}

/**
 * Scales (int8: the row's activation scale, then the feature's weight scale), bias, optional gelu_new;
 * `rowScale(i)`: the activation scale of accumulator i.
 */
function epilogue(
  p: PackedLinearShape,
  names: string[],
  at: (i: number) => string,
  rowScale: (i: number) => string,
): string[] {
  const lines: string[] = [];
  names.forEach((v, i) => {
    if (p.int8) lines.push(`${v} = ${v} * ${rowScale(i)};`, `${v} = ${v} * this.constants.scale${at(i)};`);
    lines.push(`${v} = ${v} + bias${at(i)};`);
  });
  // gelu is a uniform flag, not part of the source: one compiled kernel serves both uses of a weight
  lines.push('if (gelu > 0.5) {', ...names.map(GELU_RATIONAL_SOURCE), '}');
  return lines;
}

/**
 * Decode kernel source: arguments x [K], bias [16, G] (q order), gelu (0 | 1); constants w [16, K, G],
 * scale? [16, G] (int8, q order).
 */
export function matvecSource(p: PackedLinearShape): string {
  const s = ['s0', 's1', 's2', 's3'];
  const lane = (c: number) => (c === 0 ? 'this.thread.x' : `this.thread.x + ${4 * c}`);
  const at = (c: number) => `[this.thread.y][${lane(c)}]`;
  if (p.int8) {
    // x: int16 [2, K2] (k pairs), xs: its scale; w [32, K2, G]: lane x's pair of feature q = 4c + x at
    // 8c + 2x; each step sums k = 4i … 4i + 3 (pairs 2i and 2i + 1)
    const term = (c: number, pair: string) =>
      `x[${pair}][0] * this.constants.w[this.thread.y][${pair}][this.thread.x * 2 + ${8 * c}] + x[${pair}][1] * this.constants.w[this.thread.y][${pair}][this.thread.x * 2 + ${8 * c + 1}]`;
    return [
      'function (x, bias, gelu, xs) {',
      ...s.map((v) => `let ${v} = 0;`),
      `for (let i = 0; i < ${kPairs(p.K) / 2}; i++) {`,
      ...s.map((v, c) => `  ${v} += ${term(c, 'i * 2')} + ${term(c, 'i * 2 + 1')};`),
      '}',
      ...epilogue(p, s, at, () => 'xs'),
      `return [${s.join(', ')}];`,
      '}',
    ].join('\n');
  }
  // two k per iteration when K is even (half the loop overhead); each accumulator still sums k in order
  const unroll = p.K % 2 === 0 ? 2 : 1;
  const step = (u: number) => {
    const k = u === 0 ? 'k' : `k + ${u}`;
    return [
      `  const xk${u} = x[${k}];`,
      ...s.map((v, c) => `  ${v} += xk${u} * this.constants.w[this.thread.y][${k}][${lane(c)}];`),
    ];
  };
  return [
    'function (x, bias, gelu) {',
    ...s.map((v) => `let ${v} = 0;`),
    `for (let k = 0; k < ${p.K}; k${unroll === 1 ? '++' : ` += ${unroll}`}) {`,
    ...Array.from({ length: unroll }, (_, u) => step(u)).flat(),
    '}',
    ...epilogue(p, s, at, () => '1'),
    `return [${s.join(', ')}];`,
    '}',
  ].join('\n');
}

/** Prefill kernel source: the same, with x [PREFILL_ROWS, K] (pad with zero rows). */
export function rowsSource(p: PackedLinearShape): string {
  const s = ['s0', 's1', 's2', 's3'];
  const lane = 'this.thread.y * 4 + this.thread.x';
  const shift = Math.log2(PREFILL_BLOCKS);
  const head = [
    `const g = this.thread.z >> ${shift};`,
    `const r0 = (this.thread.z & ${PREFILL_BLOCKS - 1}) * 4;`,
    ...s.map((v) => `let ${v} = 0;`),
  ];
  if (p.int8) {
    // x: int16 [2, K2, PREFILL_ROWS], xs [PREFILL_ROWS]: each row's scale; w as in the decode kernel
    const lane2 = 'this.thread.y * 8 + this.thread.x * 2';
    const term = (r: number, pair: string) =>
      `x[r0 + ${r}][${pair}][0] * this.constants.w[g][${pair}][${lane2}] + x[r0 + ${r}][${pair}][1] * this.constants.w[g][${pair}][${lane2} + 1]`;
    return [
      'function (x, bias, gelu, xs) {',
      ...head,
      `for (let i = 0; i < ${kPairs(p.K) / 2}; i++) {`,
      ...s.map((v, r) => `  ${v} += ${term(r, 'i * 2')} + ${term(r, 'i * 2 + 1')};`),
      '}',
      ...epilogue(
        p,
        s,
        () => `[g][${lane}]`,
        (r) => `xs[r0 + ${r}]`,
      ),
      `return [${s.join(', ')}];`,
      '}',
    ].join('\n');
  }
  return [
    'function (x, bias, gelu) {',
    ...head,
    `for (let k = 0; k < ${p.K}; k++) {`,
    `  const wk = this.constants.w[g][k][${lane}];`,
    ...s.map((v, r) => `  ${v} += x[r0 + ${r}][k] * wk;`),
    '}',
    ...epilogue(
      p,
      s,
      () => `[g][${lane}]`,
      () => '1',
    ),
    `return [${s.join(', ')}];`,
    '}',
  ].join('\n');
}

/**
 * k pairs of an int8 weight: ⌈K/4⌉·2 (a step of the int8 kernels sums four k, two pairs, exactly in i32;
 * codegen/pair-dot.ts). Weights and activations are padded with zeros up to 2·kPairs(K) inputs.
 */
export const kPairs = (K: number): number => Math.ceil(K / 4) * 2;

/** Row blocks of four rows per prefill call (a power of two: cells split z with a shift and a mask). */
export const PREFILL_BLOCKS = 4;
/** Rows per prefill call. */
export const PREFILL_ROWS = 4 * PREFILL_BLOCKS;

const align16 = (v: number) => Math.ceil(v / 16) * 16;

/**
 * Bytes of a linear kernel's own region: its arguments x and bias, the gelu scalar and its output, as
 * the program lays them out (webasm/program-code.ts: arguments, scalars, output, each 16-byte aligned).
 */
export function linearRegionBytes(which: 'decode' | 'prefill', K: number, G: number): number {
  const rows = which === 'decode' ? 1 : PREFILL_ROWS;
  // f32 x; int8's int16 x (K rounded up to pairs) and its row scales (a scalar, or PREFILL_ROWS f32) fit too
  const x = align16(rows * (K + 3) * 4);
  const bias = 16 * G * 4;
  const output = (which === 'decode' ? 4 * G : 16 * G * PREFILL_BLOCKS) * 4 * 4;
  return x + bias + 16 + align16(PREFILL_ROWS * 4) + output;
}

/** Position of feature 4x + c of a group within one row's slice of a prefill output block: c·16 + x·4. */
const GROUP_OFFSETS = Int32Array.from({ length: 16 }, (_, q) => (q & 3) * 16 + (q >> 2) * 4);

/**
 * Writes a prefill call's output (raw[((((g·RB + rb)·4 + c)·4 + x)·4 + r] for feature 16g + 4x + c of row
 * 4·rb + r) into rows r0 … r0 + rows − 1 of `out` ([R, N] row-major), a row and a group at a time.
 */
export function scatterRows(raw: Float32Array, out: Float32Array, N: number, r0: number, rows: number): void {
  const groups = N >> 4;
  const tail = N & 15;
  for (let row = 0; row < rows; row++) {
    const rowBase = (row >> 2) * 64 + (row & 3);
    const to = (r0 + row) * N;
    for (let g = 0; g < groups; g++) {
      const from = g * PREFILL_BLOCKS * 64 + rowBase;
      const at = to + 16 * g;
      for (let q = 0; q < 16; q++) out[at + q] = raw[from + GROUP_OFFSETS[q]];
    }
    const from = groups * PREFILL_BLOCKS * 64 + rowBase;
    for (let q = 0; q < tail; q++) out[to + 16 * groups + q] = raw[from + GROUP_OFFSETS[q]];
  }
}
