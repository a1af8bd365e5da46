// linear on webasm: GPU.js kernels over a weight packed 16 output features per group and split by k into
// STREAMS arrays (webasm/packed-weight.ts), one kernel for decoding (one row) and one for prefill (blocks of
// four rows: 16 rows per call for prompts, 4 for a few rows).
//
//   decode:   x [K] · W (packed [G][K/4][16] × 4 streams) (+ bias) (→ gelu_new) → y [16G]   output [4, G], Array(4)
//   prefill:  x [4·RB, K] · W                      → y [4 rows] per cell     output [4, 4, G·RB], Array(4)
//
// Streams: k = 4j + s lives in array ws (s = 0 … 3), so each iteration of a kernel's loop reads one block
// from each of four arrays, four sequential streams through memory instead of one. Measured on the Xeon
// (a hand-written mirror of the int8 loop over 124 MB, 2 threads): 14.5 GB/s from one stream, 19.1 from
// two, 25.5 from four; the hardware prefetcher runs a bounded distance ahead of each stream, so more
// streams keep more of memory's latency hidden. Every accumulator still sums k in order.
// Decode: cell (lane x, group g) accumulates the four features n = 16g + 4x + c, c = 0 … 3, over k (four k
// per iteration, one per stream); per k it loads x[k] once and four vectors of weights (64 contiguous bytes
// for f32). gpu.js stores component c of cell (x, g) at 16g + 4x + c, so the output is y in natural order.
// Prefill: cell (lane x, c, z = g·RB + rb) accumulates feature n = 16g + 4x + c for the four rows of row
// block rb at once: each weight vector is loaded once and used four times, and the RB row blocks of a
// group are consecutive cells, so the group's weights (16·K values) are read from memory once per call
// and from cache RB − 1 more times. The output is [g][rb][c][x][row]; `scatterRows` puts it in place.
// Bias and int8 scales are kernel constants in q order (packed-weight.ts), read as vectors like the weights.
// int8: the weights are packed in k pairs (stream s holds pairs 4j + s: [G][K2/4][16][2]) and the
// activations arrive as int16 with a scale per row (webasm/activation-quant.ts); each statement sums four
// k as two pairs, which the codegen turns into integer dot products (codegen/pair-dot.ts), then the sum is
// scaled by the row's and the feature's scale.
// Sum order (f32, f16): in the form with two streams per step (webasm/stream-step.ts: f16 on V8 11) every
// accumulator adds k in order. In the form with four, the sum runs in halves: streams 0–1 (k = 4j, 4j + 1)
// into one set of accumulators and streams 2–3 into another, each adding the sum of its two products per j
// (a + (x₀w₀ + x₁w₁)), and the halves are added at the end; the prefill kernel runs the halves as two passes
// over j, each a flat loop of two weight vectors and eight broadcasts per step, which V8 compiles without
// spills (128×768·768×3072 f32 on one thread, Node 24: 26.5 → 34.8 GFLOP/s; the in-order form needs four
// streams per step of one loop, or an inner loop). int8 sums k in order in both forms.
// In each form both kernels sum in the same order, so a row gives the same bits in either.

import { GELU_RATIONAL_SOURCE } from './gelu-new.js';

export interface PackedLinearShape {
  readonly K: number;
  readonly G: number;
  readonly int8: boolean;
  /**
   * Whether the kernel has the gelu_new epilogue (applied when its `gelu` argument is 1; default true). Without
   * it the source is a third as long and gpu.js's code generation 2–3× faster (a linear kernel of GPT-2 took
   * 20–70 ms to compile with it), so the engine compiles it only for a weight used with gelu.
   */
  readonly gelu?: boolean;
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
  // gelu is a uniform flag: a kernel with the epilogue serves both uses of a weight
  if (p.gelu !== false) lines.push('if (gelu > 0.5) {', ...names.map(GELU_RATIONAL_SOURCE), '}');
  return lines;
}

/**
 * Decode kernel source: arguments x [kSlots(K)] (zero-padded), bias [16, G] (q order), gelu (0 | 1);
 * constants w0 … w3 [16, kSlots(K)/4, G] (int8: [32, kPairs(K)/4, G]), scale? [16, G] (int8, q order).
 * `streamsPerStep` 2 (webasm/stream-step.ts): the four streams as one constant `w` [16, kSlots(K)/4, 4G]
 * (int8: [32, kPairs(K)/4, 4G]), two per step of an inner loop (f32, f16: k in order; 4: in halves).
 */
export function matvecSource(p: PackedLinearShape, streamsPerStep: 2 | 4 = 4): string {
  const s = ['s0', 's1', 's2', 's3'];
  const lane = (c: number) => (c === 0 ? 'this.thread.x' : `this.thread.x + ${4 * c}`);
  const at = (c: number) => `[this.thread.y][${lane(c)}]`;
  const joined = streamsPerStep === 2;
  // stream u's array: its own constant, or groups uG … uG + G − 1 of the joined one
  const stream = (u: string) =>
    joined
      ? `this.constants.${JOINED_STREAMS}[${u} * ${p.G} + this.thread.y]`
      : `this.constants.${streamName(Number(u))}[this.thread.y]`;
  if (p.int8) {
    // x: int16 [2, K2] (k pairs), xs: its scale; stream u [32, K2/4, G]: lane x's pair of feature
    // q = 4c + x at 8c + 2x; iteration j sums pairs 4j … 4j + 3 (k = 8j … 8j + 7), two per statement
    const term = (c: number, u: string) => {
      const w = `${stream(u)}[j][this.thread.x * 2 + ${8 * c}`;
      const pair = `j * ${STREAMS} + ${u}`;
      return `x[${pair}][0] * ${w}] + x[${pair}][1] * ${w} + 1]`;
    };
    const body = joined
      ? [
          `  for (let h = 0; h < ${STREAMS / 2}; h++) {`,
          ...s.map((v, c) => `    ${v} += ${term(c, '(h * 2)')} + ${term(c, '(h * 2 + 1)')};`),
          '  }',
        ]
      : [
          ...s.map((v, c) => `  ${v} += ${term(c, '0')} + ${term(c, '1')};`),
          ...s.map((v, c) => `  ${v} += ${term(c, '2')} + ${term(c, '3')};`),
        ];
    return [
      'function (x, bias, gelu, xs) {',
      ...s.map((v) => `let ${v} = 0;`),
      `for (let j = 0; j < ${kPairs(p.K) / STREAMS}; j++) {`,
      ...body,
      '}',
      ...epilogue(p, s, at, () => 'xs'),
      `return [${s.join(', ')}];`,
      '}',
    ].join('\n');
  }
  const loop = `for (let j = 0; j < ${kSlots(p.K) / STREAMS}; j++) {`;
  let sum: string[];
  if (joined) {
    // k in order, two streams per step of an inner loop
    const products = (xk: string, u: string) =>
      s.map((v, c) => `    ${v} += ${xk} * ${stream(u)}[j][${lane(c)}];`);
    sum = [
      ...s.map((v) => `let ${v} = 0;`),
      loop,
      `  for (let h = 0; h < ${STREAMS / 2}; h++) {`,
      `    const xa = x[j * ${STREAMS} + h * 2];`,
      `    const xb = x[j * ${STREAMS} + h * 2 + 1];`,
      ...products('xa', '(h * 2)'),
      ...products('xb', '(h * 2 + 1)'),
      '  }',
      '}',
    ];
  } else {
    // in halves: streams 0–1 into a0 … a3, streams 2–3 into s0 … s3, added at the end (as rowsSource)
    const a = ['a0', 'a1', 'a2', 'a3'];
    const pair = (acc: string, c: number, u: number) =>
      `  ${acc} += xk${u} * ${stream(String(u))}[j][${lane(c)}] + xk${u + 1} * ${stream(String(u + 1))}[j][${lane(c)}];`;
    sum = [
      ...[...a, ...s].map((v) => `let ${v} = 0;`),
      loop,
      ...Array.from({ length: STREAMS }, (_, u) => `  const xk${u} = x[j * ${STREAMS} + ${u}];`),
      ...a.map((v, c) => pair(v, c, 0)),
      ...s.map((v, c) => pair(v, c, 2)),
      '}',
      ...s.map((v, c) => `${v} = ${a[c]} + ${v};`),
    ];
  }
  return [
    'function (x, bias, gelu) {',
    ...sum,
    ...epilogue(p, s, at, () => '1'),
    `return [${s.join(', ')}];`,
    '}',
  ].join('\n');
}

/**
 * Prefill kernel source: the same, with x [4·blocks, K] (pad with zero rows; blocks a power of two,
 * PREFILL_BLOCKS for prompts, 1 for the 4-row calls of a few rows: webasm/linear-kernels.ts); f32 and f16 read the four
 * streams as one constant `w` [16, kSlots(K)/4, 4G] (they lie one after another in the arena): with
 * `streamsPerStep` 4 in halves, two passes over j of two streams each; with 2 in k order, two streams per
 * step of an inner loop (the sums of matvecSource's form, in its order). int8 sums every row in k order in
 * both forms: with 4 the four rows in one loop, with 2 rows 0–1 and rows 2–3 in two passes over j (V8 11
 * loads all sixteen activation pairs of a step first and spills them: 1.2× faster in two passes, 0.88× on V8 13).
 */
export function rowsSource(
  p: PackedLinearShape,
  streamsPerStep: 2 | 4 = 4,
  blocks: number = PREFILL_BLOCKS,
): string {
  const s = ['s0', 's1', 's2', 's3'];
  const lane = 'this.thread.y * 4 + this.thread.x';
  const shift = Math.log2(blocks);
  const head = [
    `const g = this.thread.z >> ${shift};`,
    `const r0 = (this.thread.z & ${blocks - 1}) * 4;`,
    ...s.map((v) => `let ${v} = 0;`),
  ];
  if (p.int8) {
    // x: int16 [2, K2, PREFILL_ROWS], xs [PREFILL_ROWS]: each row's scale; streams as in the decode kernel
    const lane2 = 'this.thread.y * 8 + this.thread.x * 2';
    const term = (r: number, u: number) => {
      const w = `this.constants.${streamName(u)}[g][j][${lane2}`;
      const pair = `j * ${STREAMS} + ${u}`;
      return `x[r0 + ${r}][${pair}][0] * ${w}] + x[r0 + ${r}][${pair}][1] * ${w} + 1]`;
    };
    // streamsPerStep 2 (V8 11): rows 0–1 and rows 2–3 in two passes over j, each row's sum in the same order
    const pass = (rows: number[]) => [
      `for (let j = 0; j < ${kPairs(p.K) / STREAMS}; j++) {`,
      ...rows.map((r) => `  ${s[r]} += ${term(r, 0)} + ${term(r, 1)};`),
      ...rows.map((r) => `  ${s[r]} += ${term(r, 2)} + ${term(r, 3)};`),
      '}',
    ];
    return [
      'function (x, bias, gelu, xs) {',
      ...head,
      ...(streamsPerStep === 2 ? [...pass([0, 1]), ...pass([2, 3])] : pass([0, 1, 2, 3])),
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
  // stream u of the one constant sits at groups uG … uG + G − 1
  const weight = (u: string) => `this.constants.${JOINED_STREAMS}[${u} + g][j][${lane}]`;
  const xk = (r: number, u: string) => `x[r0 + ${r}][j * ${STREAMS} + ${u}]`;
  const finish = [
    ...epilogue(
      p,
      s,
      () => `[g][${lane}]`,
      () => '1',
    ),
    `return [${s.join(', ')}];`,
    '}',
  ];
  if (streamsPerStep === 4) {
    // in halves, as two passes over j: streams 0–1 into a0 … a3, then streams 2–3 into s0 … s3
    const a = ['a0', 'a1', 'a2', 'a3'];
    const pass = (acc: string[], u: number) => [
      `for (let j = 0; j < ${kSlots(p.K) / STREAMS}; j++) {`,
      `  const wa = ${weight(String(u * p.G))};`,
      `  const wb = ${weight(String((u + 1) * p.G))};`,
      ...acc.map((v, r) => `  ${v} += ${xk(r, String(u))} * wa + ${xk(r, String(u + 1))} * wb;`),
      '}',
    ];
    return [
      'function (x, bias, gelu) {',
      ...head,
      ...a.map((v) => `let ${v} = 0;`),
      ...pass(a, 0),
      ...pass(s, 2),
      ...s.map((v, r) => `${v} = ${a[r]} + ${v};`),
      ...finish,
    ].join('\n');
  }
  // k in order, two streams per step of an inner loop
  return [
    'function (x, bias, gelu) {',
    ...head,
    `for (let j = 0; j < ${kSlots(p.K) / STREAMS}; j++) {`,
    `  for (let h = 0; h < ${STREAMS / 2}; h++) {`,
    `    const wa = ${weight(`h * ${2 * p.G}`)};`,
    `    const wb = ${weight(`h * ${2 * p.G} + ${p.G}`)};`,
    ...s.map((v, r) => `    ${v} += ${xk(r, 'h * 2')} * wa;`),
    ...s.map((v, r) => `    ${v} += ${xk(r, 'h * 2 + 1')} * wb;`),
    '  }',
    '}',
    ...finish,
  ].join('\n');
}

/** Weight arrays a linear kernel reads side by side: k (int8: the k pair) = 4j + s sits in stream s. */
export const STREAMS = 4;

/** The kernel constant holding stream `s`. */
export const streamName = (s: number): string => `w${s}`;

/** The one weight constant of a kernel that reads the four streams as one: the streams end to end. */
export const JOINED_STREAMS = 'w';

/** k slots of an f32 or f16 weight: K rounded up to a multiple of STREAMS (weights and x padded with 0). */
export const kSlots = (K: number): number => Math.ceil(K / STREAMS) * STREAMS;

/**
 * k pairs of an int8 weight: ⌈K/8⌉·4, a multiple of STREAMS (a statement of the int8 kernels sums four k,
 * two pairs, exactly in i32; codegen/pair-dot.ts). Weights and activations are padded with zeros up to
 * 2·kPairs(K) inputs.
 */
export const kPairs = (K: number): number => Math.ceil(K / (2 * STREAMS)) * STREAMS;

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
  // f32 x (K rounded up to kSlots); int8's int16 x (kPairs) and its row scales fit too
  const x = align16(rows * (K + 7) * 4);
  const bias = 16 * G * 4;
  const output = (which === 'decode' ? 4 * G : 16 * G * PREFILL_BLOCKS) * 4 * 4;
  return x + bias + 16 + align16(PREFILL_ROWS * 4) + output;
}

/**
 * Writes a prefill call's output (raw[((((g·RB + rb)·4 + c)·4 + x)·4 + r] for feature 16g + 4x + c of row
 * 4·rb + r, RB = `blocks`) into rows r0 … r0 + rows − 1 of `out` ([R, N] row-major): the four rows of a block
 * at once, each feature's four values read side by side (1.6× faster than a row at a time, whose reads stride
 * by four).
 * Whole groups of 16 features in whole blocks of 4 rows take loops over x and c without bounds (0.7 against
 * 1.0 ns per element for 128 × 3072, Node 20); a partial group or block, element by element.
 */
export function scatterRows(
  raw: Float32Array,
  out: Float32Array,
  N: number,
  r0: number,
  rows: number,
  blocks: number = PREFILL_BLOCKS,
): void {
  const groups = Math.ceil(N / 16);
  for (let rb = 0; 4 * rb < rows; rb++) {
    const inBlock = Math.min(4, rows - 4 * rb);
    const to = (r0 + 4 * rb) * N;
    for (let g = 0; g < groups; g++) {
      const block = (g * blocks + rb) * 64;
      const features = Math.min(16, N - 16 * g);
      if (inBlock === 4 && features === 16) {
        for (let x = 0; x < 4; x++) {
          for (let c = 0; c < 4; c++) {
            const n = to + 16 * g + 4 * x + c;
            const at = block + c * 16 + x * 4;
            out[n] = raw[at];
            out[n + N] = raw[at + 1];
            out[n + 2 * N] = raw[at + 2];
            out[n + 3 * N] = raw[at + 3];
          }
        }
        continue;
      }
      for (let q = 0; q < features; q++) {
        // feature n = 16g + q, q = 4x + c, at c·16 + x·4 in the block
        const n = to + 16 * g + q;
        const at = block + (q & 3) * 16 + (q >> 2) * 4;
        for (let r = 0; r < inBlock; r++) out[n + r * N] = raw[at + r];
      }
    }
  }
}
