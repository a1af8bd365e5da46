// linear on webasm: GPU.js kernels over a weight packed 16 output features per group
// (webasm/packed-weight.ts), one for decoding (one row) and one for prefill (four rows per call).
//
//   decode:   x [K] · W (packed [G][K][16]) (+ bias) (→ gelu_new) → y [16G]      output [4, G], Array(4)
//   prefill:  x [4·RB, K] · W                      → y [4 rows] per cell     output [4, 4, G·RB], Array(4)
//
// Decode: cell (lane x, group g) accumulates the four features n = 16g + 4x + c, c = 0 … 3, over k; per k
// it loads x[k] once and four vectors of weights (64 contiguous bytes for f32). gpu.js stores component c
// of cell (x, g) at 16g + 4x + c, so the output is y in natural order.
// Prefill: cell (lane x, c, z = g·RB + rb) accumulates feature n = 16g + 4x + c for the four rows of row
// block rb at once: each weight vector is loaded once and used four times, and the RB row blocks of a
// group are consecutive cells, so the group's weights (16·K values) are read from memory once per call
// and from cache RB − 1 more times. The output is [g][rb][c][x][row]; `scatterRows` puts it in place.
// Bias and int8 scales are kernel constants in q order (packed-weight.ts), read as vectors like the weights.
// Both kernels sum over k in the same order, so a row gives the same bits in either.

import { GELU_RATIONAL_SOURCE } from './gelu-new.js';

export interface PackedLinearShape {
  readonly K: number;
  readonly G: number;
  readonly int8: boolean;
}

function epilogue(p: PackedLinearShape, names: string[], at: (i: number) => string): string[] {
  const lines: string[] = [];
  names.forEach((v, i) => {
    if (p.int8) lines.push(`${v} = ${v} * this.constants.scale${at(i)};`);
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
  return [
    'function (x, bias, gelu) {',
    ...s.map((v) => `let ${v} = 0;`),
    `for (let k = 0; k < ${p.K}; k++) {`,
    '  const xk = x[k];',
    ...s.map((v, c) => `  ${v} += xk * this.constants.w[this.thread.y][k][${lane(c)}];`),
    '}',
    ...epilogue(p, s, (c) => `[this.thread.y][${lane(c)}]`),
    `return [${s.join(', ')}];`,
    '}',
  ].join('\n');
}

/** Prefill kernel source: the same, with x [PREFILL_ROWS, K] (pad with zero rows). */
export function rowsSource(p: PackedLinearShape): string {
  const s = ['s0', 's1', 's2', 's3'];
  const lane = 'this.thread.y * 4 + this.thread.x';
  const shift = Math.log2(PREFILL_BLOCKS);
  return [
    'function (x, bias, gelu) {',
    `const g = this.thread.z >> ${shift};`,
    `const r0 = (this.thread.z & ${PREFILL_BLOCKS - 1}) * 4;`,
    ...s.map((v) => `let ${v} = 0;`),
    `for (let k = 0; k < ${p.K}; k++) {`,
    `  const wk = this.constants.w[g][k][${lane}];`,
    ...s.map((v, r) => `  ${v} += x[r0 + ${r}][k] * wk;`),
    '}',
    ...epilogue(p, s, () => `[g][${lane}]`),
    `return [${s.join(', ')}];`,
    '}',
  ].join('\n');
}

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
  const x = align16(rows * K * 4);
  const bias = 16 * G * 4;
  const output = (which === 'decode' ? 4 * G : 16 * G * PREFILL_BLOCKS) * 4 * 4;
  return x + bias + 16 + output;
}

/**
 * Writes a prefill call's output (raw[((((g·RB + rb)·4 + c)·4 + x)·4 + r] for feature 16g + 4x + c of row
 * 4·rb + r) into rows r0 … r0 + rows − 1 of `out` ([R, N] row-major).
 */
export function scatterRows(raw: Float32Array, out: Float32Array, N: number, r0: number, rows: number): void {
  for (let n = 0; n < N; n++) {
    const g = n >> 4;
    const x = (n >> 2) & 3;
    const c = n & 3;
    for (let row = 0; row < rows; row++) {
      const rb = row >> 2;
      out[(r0 + row) * N + n] = raw[(((g * PREFILL_BLOCKS + rb) * 4 + c) * 4 + x) * 4 + (row & 3)];
    }
  }
}
